resource "lattice_ram_permission" "service_read" {
  name          = "service-read-only"
  resource_type = "vpc-lattice:Service"
  policy_template = jsonencode({
    Effect = "Allow"
    Action = ["vpc-lattice:GetService"]
  })
}

resource "lattice_service" "billing" {
  name = "billing"
}

resource "lattice_ram_resource_share" "billing" {
  name            = "billing"
  permission_arns = [lattice_ram_permission.service_read.arn]
}

resource "lattice_ram_resource_association" "billing" {
  resource_share_arn = lattice_ram_resource_share.billing.arn
  resource_arn       = lattice_service.billing.arn
}
