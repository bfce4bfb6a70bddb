//! Entry points for the fuzz targets under `fuzz/`, and the replay of their corpora as
//! ordinary tests. Each takes raw bytes and asserts what must hold for any input.

use std::sync::OnceLock;

use hickory_proto::op::Message;
use lattice_model::records::{Tags, Vpc};
use lattice_model::snapshot::Snapshot;
use lattice_model::State;

use crate::dns::{answer, Decision};

/// The HTTP/1 request head parser and body framing of the fast path.
pub fn http1(data: &[u8]) {
    crate::framing::fuzz_request(data);
}

/// A snapshot with one VPC, for the resolver.
fn snapshot() -> &'static Snapshot {
    static SNAPSHOT: OnceLock<Snapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        let mut state = State::default();
        let vpc = Vpc {
            id: "vpc-0123456789abcdef0".into(),
            account: "000000000000".into(),
            block: "127.77.1".into(),
            tags: Tags::new(),
            created_at: String::new(),
            ec2: Default::default(),
            region: String::new(),
        };
        state.apply(&lattice_model::state::Object::put(&vpc)).expect("a VPC record loads");
        lattice_model::snapshot::compile(&state, 1, "us-east-1")
    })
}

/// The resolver on any message: with no VPC, and with a VPC in and out of its namespace; what
/// it replies parses as DNS, and what UDP carries fits the client's payload size.
pub fn dns(data: &[u8]) {
    let view = snapshot().vpcs.values().next().map(|v| v.as_ref());
    for (view, link_local) in [(None, false), (view, false), (view, true)] {
        if let Decision::Reply(reply) = answer(view, data, link_local) {
            assert!(Message::from_vec(&reply).is_ok(), "a reply that does not parse");
            let sent = crate::dns::fit_udp(data, reply);
            let limit = Message::from_vec(data).map_or(512, |q| usize::from(q.max_payload()).max(512));
            assert!(sent.len() <= limit, "{} bytes over UDP for a client taking {limit}", sent.len());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fuzz_corpora_replay() {
        for (target, run) in [("http1", super::http1 as fn(&[u8])), ("dns", super::dns)] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
            let mut count = 0;
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                run(&std::fs::read(entry.expect("a corpus entry").path()).expect("a corpus file"));
                count += 1;
            }
            assert!(count > 0, "{target} has a corpus");
        }
    }
}
