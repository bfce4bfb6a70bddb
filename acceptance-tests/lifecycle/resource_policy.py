"""The lifecycle scenario of `lattice_resource_policy`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_resource_policy.test",
    create='resource "lattice_resource_policy" "test" {\n resource_arn = lattice_service_network.base.arn\n'
           ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",'
           ' Principal = { AWS = "111122223333" }, Action = "vpc-lattice:CreateServiceNetworkVpcAssociation",'
           ' Resource = lattice_service_network.base.arn }] })\n}',
    update='resource "lattice_resource_policy" "test" {\n resource_arn = lattice_service_network.base.arn\n'
           ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",'
           ' Principal = { AWS = "111122223333" }, Action = "vpc-lattice:GetServiceNetwork",'
           ' Resource = lattice_service_network.base.arn }] })\n}',
    replace='resource "lattice_resource_policy" "test" {\n resource_arn = lattice_service_network.other.arn\n'
            ' policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",'
            ' Principal = { AWS = "111122223333" }, Action = "vpc-lattice:GetServiceNetwork",'
            ' Resource = lattice_service_network.other.arn }] })\n}',
    import_id=lambda s: s["id"],
    get=lambda c, s: policy_or_gone(c.get_resource_policy(resourceArn=s["id"])),
    delete=lambda c, s: c.delete_resource_policy(resourceArn=s["id"]),
)
