//! The network's records, as EC2 and Route 53 know them: VPCs (each with its loopback block),
//! subnets, security groups and their rules, private hosted zones and their records.

use serde::{Deserialize, Serialize};

use super::Tags;

/// A local VPC and the loopback block it was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vpc {
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub account: String,
    /// The first three octets of the VPC's /24, e.g. `127.77.3`.
    pub block: String,
    #[serde(default)]
    pub tags: Tags,
    pub created_at: String,
    /// What EC2 knows of the VPC (the block it was declared with, its attributes).
    #[serde(default, skip_serializing_if = "Ec2Vpc::is_default")]
    pub ec2: Ec2Vpc,
    /// Empty for VPCs created before regions were stored (the home region).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
}

/// A VPC's EC2 attributes. The declared CIDR is what EC2 answers and what security group rules
/// are written against; traffic uses the loopback block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ec2Vpc {
    /// Empty for VPCs not created through EC2: they answer with their loopback block.
    #[serde(default)]
    pub cidr_block: String,
    #[serde(default)]
    pub enable_dns_hostnames: bool,
    #[serde(default = "yes")]
    pub enable_dns_support: bool,
    #[serde(default)]
    pub enable_network_address_usage_metrics: bool,
    #[serde(default = "default_tenancy")]
    pub instance_tenancy: String,
}

fn yes() -> bool {
    true
}

fn default_tenancy() -> String {
    "default".into()
}

impl Default for Ec2Vpc {
    fn default() -> Self {
        Self {
            cidr_block: String::new(),
            enable_dns_hostnames: false,
            enable_dns_support: true,
            enable_network_address_usage_metrics: false,
            instance_tenancy: default_tenancy(),
        }
    }
}

impl Ec2Vpc {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// An EC2 subnet: stored for what reads it (resource gateways, endpoints and modules name
/// subnets); traffic does not depend on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr_block: String,
    pub availability_zone: String,
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    #[serde(default)]
    pub tags: Tags,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default)]
    pub account: String,
}

impl Vpc {
    /// The VPC's Region (`home` for VPCs created before regions were stored).
    pub fn region_or<'a>(&'a self, home: &'a str) -> &'a str {
        if self.region.is_empty() {
            home
        } else {
            &self.region
        }
    }
    /// The VPC resolver: `.2` of the block, as in an AWS VPC.
    pub fn resolver_ip(&self) -> String {
        format!("{}.2", self.block)
    }
    /// The address that Lattice services answer on inside this VPC.
    pub fn service_network_ip(&self) -> String {
        format!("{}.10", self.block)
    }
    /// The VPC's HTTP forward proxy.
    pub fn proxy_ip(&self) -> String {
        format!("{}.3", self.block)
    }
    pub fn cidr(&self) -> String {
        format!("{}.0/24", self.block)
    }
}

/// A local private hosted zone, answered by the resolvers of the VPCs it is associated with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsZone {
    pub id: String,
    /// Lower case, without the trailing dot.
    pub name: String,
    #[serde(default)]
    pub vpc_ids: Vec<String>,
    #[serde(default)]
    pub comment: String,
    pub created_at: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub account: String,
    /// Route 53's idempotency key for the zone's creation (empty for admin-made zones).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caller_reference: String,
    /// A public zone (Route 53 without a VPC): stored and listed, answered by no resolver here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

/// A record set of a local zone: `<zone id>_<name>_<type>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsRecord {
    pub id: String,
    pub zone_id: String,
    /// Fully qualified, lower case, without the trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub ttl: u32,
    pub records: Vec<String>,
    #[serde(default)]
    pub account: String,
    /// A Route 53 alias: the name answered for this one (followed as a CNAME is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<DnsAlias>,
}

/// Where a Route 53 alias record points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsAlias {
    pub dns_name: String,
    pub hosted_zone_id: String,
    #[serde(default)]
    pub evaluate_target_health: bool,
}

/// A local security group (`lattice_local_security_group`): ingress rules the data plane
/// enforces on client source addresses where the group guards a VPC association or endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroup {
    pub id: String,
    pub arn: String,
    pub vpc_id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub ingress: Vec<SecurityGroupRule>,
    /// Where the group's members may connect to (only resource gateways use it).
    #[serde(default)]
    pub egress: Vec<SecurityGroupRule>,
    #[serde(default)]
    pub tags: Tags,
    pub created_at: String,
    #[serde(default)]
    pub account: String,
}

/// One ingress or egress rule: `protocol` is `tcp`, `udp`, `icmp` or `-1` (all); ports are
/// inclusive; the blocks are sources (ingress) or destinations (egress).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupRule {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    #[serde(default)]
    pub cidr_blocks: Vec<String>,
    #[serde(default)]
    pub ipv6_cidr_blocks: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// Groups whose members are sources (ingress) or destinations (egress); locally, every
    /// client of a group's VPC counts as a member.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// EC2's rule id (`sgr-…`), one per rule.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}
