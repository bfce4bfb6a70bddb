#!/usr/bin/env python3
"""Generates docs/resources/*.md and docs/data-sources/*.md (Terraform registry layout) from the
provider's own schema and the examples under examples/resources and examples/data-sources.

Usage: gen-docs.py SCHEMA_JSON OUT_DIR
SCHEMA_JSON is `terraform providers schema -json` for a configuration using the provider."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "registry.terraform.io/lattice-local/lattice"

IMPORT = {
    "lattice_service_network": ("sn-0158f91c1e3358dba", "the service network id"),
    "lattice_service": ("svc-06728e2357ea55f8a", "the service id"),
    "lattice_target_group": ("tg-0c11d4dc16ed96bdb", "the target group id"),
    "lattice_listener": ("svc-1a2b3c4d5e6f70809/listener-0a1b2c3d4e5f60718", "`<service id>/<listener id>`"),
    "lattice_service_network_service_association": ("snsa-05e2474658a88f6ba", "the association id"),
    "lattice_service_network_vpc_association": ("snva-0e2474658a88f6ba0", "the association id"),
    "lattice_local_vpc": ("vpc-0123456789abcdef0", "the VPC id"),
        "lattice_listener_rule": ("svc-1a2b3c4d5e6f70809/listener-0a1b2c3d4e5f60718/rule-0123456789abcdef0", "`<service id>/<listener id>/<rule id>`"),
        "lattice_resource_gateway": ("rgw-0a1b2c3d4e5f60718", "the gateway id"),
    "lattice_resource_configuration": ("rcfg-0a1b2c3d4e5f60718", "the configuration id"),
    "lattice_service_network_resource_association": ("snra-0a1b2c3d4e5f60718", "the association id"),
    "lattice_domain_verification": ("dv-0a1b2c3d4e5f60718", "the verification id"),
        "lattice_vpc_endpoint": ("vpce-0a1b2c3d4e5f60718", "the endpoint id"),
    "lattice_local_dns_zone": ("Z0123456789ABCDEFGHIJ", "the zone id"),
    "lattice_local_dns_record": ("Z0123456789ABCDEFGHIJ_db.example.internal_A", "`<zone id>_<fqdn>_<type>`"),
    "lattice_local_instance": ("i-0123456789abcdef0", "the instance id"),
    "lattice_local_function": ("orders", "the function name"),
    "lattice_local_certificate": ("arn:aws:acm:us-east-1:000000000000:certificate/0a1b2c3d4e5f60718", "the certificate ARN"),
    "lattice_auth_policy": ("svc-06728e2357ea55f8a", "the service network or service id or ARN"),
    "lattice_resource_policy": ("arn:aws:vpc-lattice:us-east-1:000000000000:servicenetwork/sn-0158f91c1e3358dba", "the resource ARN"),
    "lattice_access_log_subscription": ("als-0158f91c1e3358dba", "the subscription id"),
    "lattice_ram_resource_share": ("arn:aws:ram:us-east-1:000000000000:resource-share/73da1ab9-b94a-4ba3-8eb4-45917f7f4b12", "the share ARN"),
    "lattice_ram_principal_association": ("arn:aws:ram:us-east-1:000000000000:resource-share/73da1ab9-b94a-4ba3-8eb4-45917f7f4b12,222222222222", "`<share ARN>,<principal>`"),
    "lattice_ram_resource_association": ("arn:aws:ram:us-east-1:000000000000:resource-share/73da1ab9-b94a-4ba3-8eb4-45917f7f4b12,arn:aws:vpc-lattice:us-east-1:000000000000:service/svc-06728e2357ea55f8a", "`<share ARN>,<resource ARN>`"),
    "lattice_ram_resource_share_accepter": ("arn:aws:ram:us-east-1:111111111111:resource-share/73da1ab9-b94a-4ba3-8eb4-45917f7f4b12", "the share ARN"),
    "lattice_ram_sharing_with_organization": ("000000000000", "the management account id"),
    "lattice_ram_permission": ("arn:aws:ram:us-east-1:000000000000:permission/service-read-only", "the permission ARN"),
    "lattice_ram_resource_share_associations_exclusive": ("arn:aws:ram:us-east-1:000000000000:resource-share/73da1ab9-b94a-4ba3-8eb4-45917f7f4b12", "the share ARN"),
    "lattice_local_principal": ("deployer", "the principal name"),
    "lattice_local_organization": ("o-a1b2c3d4e5", "the organization id"),
    "lattice_local_organization_accepter": ("o-a1b2c3d4e5", "the id of the organization the account joined"),
    "lattice_local_security_group": ("sg-0a1b2c3d4e5f60718", "the group id"),
}

MIRRORS = {
    "lattice_local_vpc": None,
}


def type_text(t):
    if isinstance(t, str):
        return t
    kind, inner = t
    if kind == "object":
        return "object"
    return f"{kind} of {type_text(inner)}"


def describe_attrs(block, want, prefix=""):
    lines = []
    for name, a in sorted(block.get("attributes", {}).items()):
        required, optional, computed = a.get("required"), a.get("optional"), a.get("computed")
        if want == "args" and not (required or optional):
            continue
        if want == "attrs" and (required or optional):
            continue
        flag = "Required" if required else ("Optional" if optional else "Computed")
        desc = a.get("description", "").strip()
        lines.append(f"* `{prefix}{name}` - ({flag}, {type_text(a['type'])}) {desc}".rstrip())
    return lines


def describe_blocks(block, depth=0):
    lines = []
    for name, b in sorted(block.get("block_types", {}).items()):
        lo, hi = b.get("min_items", 0), b.get("max_items", 0)
        desc = b["block"].get("description", "").strip()
        # The provider's descriptions state minimums (the protocol's min_items cannot).
        required = "Required" if lo >= 1 or "Required;" in desc or desc.startswith("Between 1") or " Between 1 and" in desc else "Optional"
        kind = "block" if hi == 1 else "block list"
        lines.append(f"{'  ' * depth}* `{name}` - ({required} {kind}) {desc}".rstrip())
        inner = b["block"]
        for line in describe_attrs(inner, "args"):
            lines.append("  " * (depth + 1) + line)
        lines += describe_blocks(inner, depth + 1)
    return lines


def page(kind, name, schema, example):
    short = name.removeprefix("lattice_")
    block = schema["block"]
    desc = block.get("description", "").strip()
    title = "Data Source" if kind == "data-sources" else "Resource"
    if short.startswith("local_"):
        aws = None
    elif short.startswith("ram_"):
        aws = f"aws_{short}"
    else:
        aws = "aws_vpc_endpoint" if short == "vpc_endpoint" else f"aws_vpclattice_{short}"
    subcategory = "RAM" if short.startswith("ram_") else ("Local" if short.startswith("local_") else "VPC Lattice")
    out = [
        "---",
        f'page_title: "lattice_{short} {title} - lattice"',
        f'subcategory: "{subcategory}"',
        "description: |-",
        f"  {desc}",
        "---",
        "",
        f"# lattice_{short} ({title})",
        "",
        desc,
        "",
    ]
    if aws:
        what = "data source" if kind == "data-sources" else "resource"
        out += [f"Same schema as the AWS provider's `{aws}` {what}: rename the type to move a layout to AWS.", ""]
    else:
        out += ["A local-only construct: it has no AWS twin.", ""]
    out += ["## Example Usage", "", "```hcl", example.strip(), "```", "", "## Argument Reference", ""]
    args = describe_attrs(block, "args") + describe_blocks(block)
    out += args or ["This type takes no arguments."]
    out += ["", "## Attribute Reference", "", "In addition to the arguments above:", ""]
    out += describe_attrs(block, "attrs") or ["No other attributes."]
    if kind == "resources":
        out += ["", "## Import", ""]
        if name in IMPORT:
            example_id, what = IMPORT[name]
            out += [f"Import with {what}:", "", "```shell", f"terraform import {name}.example {example_id}", "```"]
        else:
            out += ["This resource cannot be imported."]
    return "\n".join(out) + "\n"


def main():
    schema = json.loads(Path(sys.argv[1]).read_text())["provider_schemas"][SOURCE]
    out_dir = Path(sys.argv[2])
    for kind, key in [("resources", "resource_schemas"), ("data-sources", "data_source_schemas")]:
        (out_dir / kind).mkdir(parents=True, exist_ok=True)
        for name, s in sorted(schema[key].items()):
            example = (ROOT / "examples" / kind / name / "main.tf").read_text()
            short = name.removeprefix("lattice_")
            (out_dir / kind / f"{short}.md").write_text(page(kind, name, s, example))


if __name__ == "__main__":
    main()
