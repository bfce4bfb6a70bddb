//! Names as a VPC's resolver answers them: query types, answers, local zones.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::state::State;

/// TTL of generated Lattice names, short so that changes show quickly.
pub(crate) const LATTICE_TTL: u32 = 10;

/// The query types the resolver distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryType {
    A,
    Aaaa,
    Cname,
    Txt,
    Any,
    Other,
}

impl QueryType {
    pub(crate) fn accepts(self, data: &RecordData) -> bool {
        matches!(
            (self, data),
            (QueryType::Any, _)
                | (QueryType::A, RecordData::A(_))
                | (QueryType::Aaaa, RecordData::Aaaa(_))
                | (QueryType::Cname, RecordData::Cname(_))
                | (QueryType::Txt, RecordData::Txt(_))
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    A(Ipv4Addr),
    Aaaa(std::net::Ipv6Addr),
    /// Target, lower case, without the trailing dot.
    Cname(String),
    Txt(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRecord {
    pub name: String,
    pub ttl: u32,
    pub data: RecordData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Answer(Vec<AnswerRecord>),
    /// The name exists but has no record of the asked type.
    NoData,
    NxDomain,
    /// Not a name this resolver owns: forward it.
    NotMine,
}

impl Resolution {
    /// The first IPv4 address of an answer (after any CNAMEs).
    pub fn address(&self) -> Option<Ipv4Addr> {
        let Resolution::Answer(records) = self else { return None };
        records.iter().find_map(|r| match r.data {
            RecordData::A(ip) => Some(ip),
            _ => None,
        })
    }
}

#[derive(Debug)]
pub(crate) struct ZoneRecord {
    pub(crate) ttl: u32,
    pub(crate) data: RecordData,
}

/// One local zone, compiled: name → its records.
#[derive(Debug)]
pub(crate) struct ZoneView {
    pub(crate) name: String,
    pub(crate) records: HashMap<String, Vec<ZoneRecord>>,
}

pub(crate) fn zone_view(state: &State, zone: &crate::records::DnsZone) -> ZoneView {
    let mut records: HashMap<String, Vec<ZoneRecord>> = HashMap::new();
    for r in state.dns_records.values().filter(|r| r.zone_id == zone.id) {
        if let Some(alias) = &r.alias {
            // An alias answers what its target answers: followed as a CNAME within the view.
            let target = alias.dns_name.trim_end_matches('.').to_ascii_lowercase();
            records.entry(r.name.clone()).or_default().push(ZoneRecord { ttl: 60, data: RecordData::Cname(target) });
            continue;
        }
        for value in &r.records {
            let data = match r.kind.as_str() {
                "A" => value.parse().ok().map(RecordData::A),
                "AAAA" => value.parse().ok().map(RecordData::Aaaa),
                "CNAME" => Some(RecordData::Cname(value.trim_end_matches('.').to_ascii_lowercase())),
                "TXT" => Some(RecordData::Txt(value.trim_matches('"').to_string())),
                _ => None,
            };
            if let Some(data) = data {
                records.entry(r.name.clone()).or_default().push(ZoneRecord { ttl: r.ttl, data });
            }
        }
    }
    ZoneView { name: zone.name.clone(), records }
}

/// True for names in the zones Lattice answers for; the resolver answers these itself
/// (NXDOMAIN when not reachable) instead of forwarding them.
pub fn is_lattice_name(qname: &str) -> bool {
    let name = qname.trim_end_matches('.').to_ascii_lowercase();
    name.ends_with(".on.aws") && (name.contains(".vpc-lattice-svcs.") || name.contains(".vpc-lattice-rsc."))
}

pub(crate) fn parse_ip(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}
