//! Security groups as the data plane enforces them: the ingress rules of the groups on a VPC
//! association or endpoint, checked against a client's source address and the port it connects
//! to; the egress rules of the groups on a resource gateway, checked against the resource's
//! address and port. Groups declared with `lattice_local_security_group` carry rules; an `sg-…` id
//! that was never declared is implicit and admits everything (there is nothing local to say
//! otherwise).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::records::{SecurityGroup, SecurityGroupRule};
use crate::state::State;

/// An IPv4 or IPv6 block, `a.b.c.d/n` (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    len: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (net, len) = match text.split_once('/') {
            Some((net, len)) => (net.parse::<IpAddr>().ok()?, len.parse::<u8>().ok()?),
            None => {
                let net = text.parse::<IpAddr>().ok()?;
                (net, if net.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if net.is_ipv4() { 32 } else { 128 };
        (len <= max).then_some(Cidr { net, len })
    }

    pub fn is_ipv6(&self) -> bool {
        self.net.is_ipv6()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client reaching an IPv6 socket shows up as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (ip, self.net) {
            (IpAddr::V4(a), IpAddr::V4(n)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(a) & mask == u32::from(n) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(n)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.len)).unwrap_or(0);
                u128::from(a) & mask == u128::from(n) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.len)
    }
}

/// Which rules of a group apply: ingress (what may connect to its members, by source address)
/// or egress (where its members may connect to, by destination address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// One compiled rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `tcp`, or `-1` for every protocol; other protocols never admit Lattice traffic.
    protocol: String,
    from: i32,
    to: i32,
    /// Sources (ingress) or destinations (egress).
    blocks: Vec<Cidr>,
    direction: Direction,
}

impl Cidr {
    /// The block's first address.
    pub fn network(&self) -> IpAddr {
        self.net
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.len
    }

    /// Whether the two blocks share an address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other.net) || other.contains(self.net)
    }
}

impl Rule {
    /// Rules are written against addresses EC2 declared; clients come from loopback. So, for
    /// ingress, a block that overlaps the declared CIDR of the group's VPC also admits that
    /// VPC's loopback block, and a referenced group admits its VPC's loopback block (every
    /// client of a VPC counts as a member of its groups).
    fn compile(state: &State, group: &SecurityGroup, rule: &SecurityGroupRule, direction: Direction) -> Rule {
        let mut blocks: Vec<Cidr> =
            rule.cidr_blocks.iter().chain(&rule.ipv6_cidr_blocks).filter_map(|c| Cidr::parse(c)).collect();
        // A group, and the groups it references, are in one account: so are their VPCs.
        let loopback = |vpc_id: &str| state.vpc(&group.account, vpc_id).and_then(|v| Cidr::parse(&v.cidr()));
        if direction == Direction::Ingress {
            let declared = state.vpc(&group.account, &group.vpc_id).and_then(|v| Cidr::parse(&v.ec2.cidr_block));
            if declared.is_some_and(|d| blocks.iter().any(|b| b.overlaps(&d))) {
                blocks.extend(loopback(&group.vpc_id));
            }
        }
        for referenced in &rule.groups {
            let vpc =
                state.security_groups.get(referenced).filter(|g| g.account == group.account).map(|g| g.vpc_id.as_str());
            blocks.extend(vpc.and_then(loopback).filter(|b| !blocks.contains(b)));
        }
        Rule { protocol: rule.protocol.clone(), from: rule.from_port, to: rule.to_port, blocks, direction }
    }

    fn admits(&self, peer: IpAddr, port: u16) -> bool {
        let protocol = match self.protocol.as_str() {
            "-1" => true,
            "tcp" => (self.from..=self.to).contains(&i32::from(port)),
            _ => false,
        };
        protocol && self.blocks.iter().any(|c| c.contains(peer))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocks: Vec<String> = self.blocks.iter().map(Cidr::to_string).collect();
        let blocks = if blocks.is_empty() { "nowhere".to_string() } else { blocks.join(", ") };
        let way = match self.direction {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        };
        match self.protocol.as_str() {
            "-1" => write!(f, "all traffic {way} {blocks}"),
            p if self.from == self.to => write!(f, "{p} port {} {way} {blocks}", self.from),
            p => write!(f, "{p} ports {}-{} {way} {blocks}", self.from, self.to),
        }
    }
}

/// The declared groups guarding one way into the data plane (a VPC association or endpoint), or
/// the way out of a resource gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firewall {
    groups: Vec<(String, Vec<Rule>)>,
}

/// Why a firewall lets a connection in.
#[derive(Debug, Clone, Copy)]
pub struct Admitted<'a> {
    pub group: &'a str,
    pub rule: &'a Rule,
}

impl Firewall {
    /// The ingress firewall of `group_ids`, or `None` when they admit everything: no groups, or
    /// one of them is implicit (never declared, or declared in another account).
    pub fn compile(state: &State, account: &str, group_ids: &[String]) -> Option<Arc<Firewall>> {
        Self::compile_rules(state, account, group_ids, Direction::Ingress)
    }

    /// The egress firewall of `group_ids` (a resource gateway's), `None` as for [`Self::compile`].
    pub fn compile_egress(state: &State, account: &str, group_ids: &[String]) -> Option<Arc<Firewall>> {
        Self::compile_rules(state, account, group_ids, Direction::Egress)
    }

    fn compile_rules(state: &State, account: &str, group_ids: &[String], way: Direction) -> Option<Arc<Firewall>> {
        let mut groups = Vec::with_capacity(group_ids.len());
        for id in group_ids {
            let group: &SecurityGroup = state.security_groups.get(id).filter(|g| g.account == account)?;
            let rules = match way {
                Direction::Ingress => &group.ingress,
                Direction::Egress => &group.egress,
            };
            groups.push((group.id.clone(), rules.iter().map(|r| Rule::compile(state, group, r, way)).collect()));
        }
        (!groups.is_empty()).then(|| Arc::new(Firewall { groups }))
    }

    /// The first rule admitting a TCP connection with `peer` (the source for ingress, the
    /// destination for egress) on `port`.
    pub fn admit(&self, peer: IpAddr, port: u16) -> Option<Admitted<'_>> {
        self.groups
            .iter()
            .find_map(|(group, rules)| rules.iter().find(|r| r.admits(peer, port)).map(|rule| Admitted { group, rule }))
    }

    /// The group ids, in order.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|(id, _)| id.as_str())
    }
}

/// Whether `firewall` (none: open) admits `peer` on `port`.
pub fn admits(firewall: Option<&Arc<Firewall>>, peer: IpAddr, port: u16) -> bool {
    firewall.is_none_or(|f| f.admit(peer, port).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Tags;

    fn rule(protocol: &str, from: i32, to: i32, cidrs: &[&str]) -> SecurityGroupRule {
        SecurityGroupRule {
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            cidr_blocks: cidrs.iter().map(|c| c.to_string()).collect(),
            ipv6_cidr_blocks: vec![],
            description: String::new(),
            groups: vec![],
            id: String::new(),
            tags: Default::default(),
        }
    }

    fn state(rules: Vec<SecurityGroupRule>) -> State {
        state_with(rules, vec![])
    }

    fn state_with(ingress: Vec<SecurityGroupRule>, egress: Vec<SecurityGroupRule>) -> State {
        let mut s = State::default();
        s.security_groups.insert(
            "sg-1".into(),
            SecurityGroup {
                id: "sg-1".into(),
                arn: String::new(),
                vpc_id: "vpc-1".into(),
                name: "web".into(),
                description: String::new(),
                ingress,
                egress,
                tags: Tags::new(),
                created_at: String::new(),
                account: "111111111111".into(),
            },
        );
        s
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_parse_and_contain() {
        let c = Cidr::parse("127.77.1.0/24").unwrap();
        assert!(c.contains(ip("127.77.1.250")));
        assert!(c.contains(ip("::ffff:127.77.1.3")));
        assert!(!c.contains(ip("127.77.2.250")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("10.1.2.3")));
        assert!(Cidr::parse("127.0.0.1").unwrap().contains(ip("127.0.0.1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("fd00::1")));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("nope/8"), None);
    }

    #[test]
    fn a_rule_admits_by_protocol_port_and_source() {
        let s = state(vec![rule("tcp", 80, 80, &["127.77.1.0/24"]), rule("-1", 0, 0, &["127.0.0.5/32"])]);
        let fw = Firewall::compile(&s, "111111111111", &["sg-1".into()]).unwrap();
        assert_eq!(fw.admit(ip("127.77.1.250"), 80).unwrap().rule.to_string(), "tcp port 80 from 127.77.1.0/24");
        assert!(fw.admit(ip("127.77.1.250"), 443).is_none());
        assert!(fw.admit(ip("127.0.0.1"), 80).is_none());
        assert_eq!(fw.admit(ip("127.0.0.5"), 6379).unwrap().rule.to_string(), "all traffic from 127.0.0.5/32");
    }

    #[test]
    fn udp_rules_and_empty_groups_admit_nothing() {
        let s = state(vec![rule("udp", 0, 65535, &["0.0.0.0/0"])]);
        let fw = Firewall::compile(&s, "111111111111", &["sg-1".into()]);
        assert!(!admits(fw.as_ref(), ip("127.0.0.1"), 80));
        let s = state(vec![]);
        assert!(!admits(Firewall::compile(&s, "111111111111", &["sg-1".into()]).as_ref(), ip("127.0.0.1"), 80));
    }

    #[test]
    fn egress_rules_admit_by_destination_and_ingress_rules_do_not_count() {
        let s = state_with(vec![rule("-1", 0, 0, &["0.0.0.0/0"])], vec![rule("tcp", 6379, 6379, &["127.0.0.1/32"])]);
        let fw = Firewall::compile_egress(&s, "111111111111", &["sg-1".into()]).unwrap();
        assert_eq!(fw.admit(ip("127.0.0.1"), 6379).unwrap().rule.to_string(), "tcp port 6379 to 127.0.0.1/32");
        assert!(fw.admit(ip("127.0.0.1"), 5432).is_none());
        assert!(fw.admit(ip("127.0.0.2"), 6379).is_none());
        // A group with ingress rules only lets its gateway connect nowhere.
        let s = state_with(vec![rule("-1", 0, 0, &["0.0.0.0/0"])], vec![]);
        assert!(!admits(Firewall::compile_egress(&s, "111111111111", &["sg-1".into()]).as_ref(), ip("127.0.0.1"), 80));
    }

    #[test]
    fn undeclared_or_foreign_groups_admit_everything() {
        let s = state(vec![]);
        assert!(Firewall::compile(&s, "111111111111", &[]).is_none());
        assert!(Firewall::compile(&s, "111111111111", &["sg-1".into(), "sg-elsewhere".into()]).is_none());
        assert!(Firewall::compile(&s, "222222222222", &["sg-1".into()]).is_none());
        assert!(admits(None, ip("127.0.0.1"), 80));
    }
}
