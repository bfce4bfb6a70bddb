use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde_json::{json, Value};

use super::*;
use crate::records::*;
use crate::state::{Object, ObjectChange};
use lattice_runtime::health::Status;

/// The association's door of a view.
fn assoc(view: &VpcView) -> Door<'_> {
    view.door(view.service_ip).unwrap()
}

#[test]
fn link_local_twins_spell_the_block_octet() {
    let ip = Ipv4Addr::new(127, 77, 3, 123);
    assert_eq!(link_local(ip), Ipv4Addr::new(169, 254, 171, 123));
    assert_eq!(link_local_v6(ip).to_string(), "fd00:ec2:80::123");
    assert_eq!(link_local_v6(Ipv4Addr::new(127, 77, 3, 10)).to_string(), "fd00:ec2:80::10");
    let v6_peer: SocketAddr = "[::1]:4000".parse().unwrap();
    assert_eq!(client_address(v6_peer, ip), "127.77.3.250:4000".parse().unwrap());
    let host: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    assert_eq!(client_address(host, ip), host);
}

#[test]
fn link_local_addresses_lead_back_to_the_block() {
    let block = Ipv4Addr::new(127, 77, 3, 1);
    for n in [0u8, 10, 99, 123, 255] {
        let ip = Ipv4Addr::new(127, 77, 3, n);
        assert_eq!(from_link_local(IpAddr::V4(link_local(ip)), block), Some(ip));
        assert_eq!(from_link_local(IpAddr::V6(link_local_v6(ip)), block), Some(ip));
    }
    for other in ["10.0.0.1", "169.254.170.2", "fd00:ec2:80::1a", "fd00:ec2:80::256", "fd00:ec2:81::1", "::1"] {
        assert_eq!(from_link_local(other.parse().unwrap(), block), None, "{other}");
    }
}

fn vpc(id: &str, block: &str) -> Vpc {
    Vpc {
        id: id.into(),
        account: "000000000000".into(),
        block: block.into(),
        tags: Tags::new(),
        created_at: String::new(),
        ec2: Default::default(),
        region: String::new(),
    }
}

fn fixture() -> State {
    let mut s = State::default();
    s.apply(&vpc("vpc-aaaaaaaa", "127.77.1").put()).unwrap();
    s.apply(&vpc("vpc-bbbbbbbb", "127.77.2").put()).unwrap();
    s.service_networks.insert(
        "sn-1".into(),
        ServiceNetwork {
            id: "sn-1".into(),
            arn: "arn:sn-1".into(),
            name: "net".into(),
            auth_type: "NONE".into(),
            sharing_config: None,
            created_at: String::new(),
            last_updated_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        },
    );
    s.services.insert(
        "svc-1".into(),
        Service {
            id: "svc-1".into(),
            arn: "arn:svc-1".into(),
            name: "web".into(),
            auth_type: "NONE".into(),
            custom_domain_name: None,
            certificate_arn: None,
            idle_timeout_seconds: 60,
            dns_entry: DnsEntry {
                domain_name: "web-1.abc.vpc-lattice-svcs.us-east-1.on.aws".into(),
                hosted_zone_id: "Z".into(),
            },
            status: "ACTIVE".into(),
            created_at: String::new(),
            last_updated_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        },
    );
    s.target_groups.insert(
        "tg-1".into(),
        TargetGroup {
            id: "tg-1".into(),
            arn: "arn:tg-1".into(),
            name: "tg".into(),
            kind: "IP".into(),
            config: Some(json!({ "port": 8080 })),
            status: "ACTIVE".into(),
            created_at: String::new(),
            last_updated_at: String::new(),
            targets: vec![Target { id: "127.0.0.5".into(), port: 0 }, Target { id: "127.0.0.6".into(), port: 9000 }],
            tags: Tags::new(),
            account: "000000000000".into(),
        },
    );
    s.listeners.insert(
        "listener-1".into(),
        Listener {
            id: "listener-1".into(),
            arn: "arn:listener-1".into(),
            name: "http".into(),
            protocol: "HTTP".into(),
            port: 80,
            service_id: "svc-1".into(),
            service_arn: "arn:svc-1".into(),
            default_action: json!({ "forward": { "targetGroups": [{ "targetGroupIdentifier": "tg-1", "weight": 100 }] } }),
            created_at: String::new(),
            last_updated_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        },
    );
    s.sn_service_associations.insert(
        "snsa-1".into(),
        ServiceNetworkServiceAssociation {
            id: "snsa-1".into(),
            arn: String::new(),
            service_network_id: "sn-1".into(),
            service_id: "svc-1".into(),
            status: "ACTIVE".into(),
            created_by: String::new(),
            created_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        },
    );
    s.sn_vpc_associations.insert(
        "snva-1".into(),
        ServiceNetworkVpcAssociation {
            id: "snva-1".into(),
            arn: String::new(),
            service_network_id: "sn-1".into(),
            vpc_id: "vpc-aaaaaaaa".into(),
            security_group_ids: vec![],
            private_dns_enabled: None,
            dns_options: None,
            status: "ACTIVE".into(),
            created_by: String::new(),
            created_at: String::new(),
            last_updated_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
        },
    );
    s
}

#[test]
fn only_associated_vpcs_resolve_the_service_name() {
    let snap = compile(&fixture(), 1, "us-east-1");
    let name = "WEB-1.abc.vpc-lattice-svcs.us-east-1.on.aws.";
    assert_eq!(snap.vpcs["000000000000:vpc-aaaaaaaa"].dns_answer(name), Some(Ipv4Addr::new(127, 77, 1, 10)));
    assert_eq!(snap.vpcs["000000000000:vpc-bbbbbbbb"].dns_answer(name), None);
    assert!(is_lattice_name(name));
    assert!(!is_lattice_name("example.com."));
}

fn rule(id: &str, priority: i64, rule_match: Value, status: u16) -> Rule {
    Rule {
        id: id.into(),
        arn: format!("arn:{id}"),
        name: id.into(),
        service_id: "svc-1".into(),
        listener_id: "listener-1".into(),
        priority,
        rule_match,
        action: json!({ "fixedResponse": { "statusCode": status } }),
        created_at: String::new(),
        last_updated_at: String::new(),
        tags: Tags::new(),
        account: "000000000000".into(),
    }
}

#[test]
fn rules_match_by_priority_then_fall_back_to_the_default_action() {
    let mut state = fixture();
    let rules = [
        // hashicorp/aws sends an unset method as "": any method.
        rule(
            "rule-b",
            20,
            json!({ "httpMatch": { "method": "", "pathMatch": { "match": { "prefix": "/API" } } } }),
            201,
        ),
        rule(
            "rule-a",
            10,
            json!({ "httpMatch": { "method": "POST", "pathMatch": { "match": { "exact": "/api/orders" }, "caseSensitive": true } } }),
            202,
        ),
        rule(
            "rule-c",
            30,
            json!({ "httpMatch": { "headerMatches": [
            { "name": "X-Tenant", "match": { "contains": "blue" } },
            { "name": "x-env", "match": { "exact": "Prod" }, "caseSensitive": true }
        ] } }),
            203,
        ),
    ];
    for r in rules {
        state.rules.insert(r.id.clone(), r);
    }
    let snap = compile(&state, 1, "us-east-1");
    let route =
        assoc(&snap.vpcs["000000000000:vpc-aaaaaaaa"]).route("web-1.abc.vpc-lattice-svcs.us-east-1.on.aws").unwrap();
    let lr = &route.listeners[&80];
    assert_eq!(lr.rules.iter().map(|r| r.priority).collect::<Vec<_>>(), vec![10, 20, 30]);
    let status = |method: &str, path: &str, headers: &[(&'static str, &'static str)]| {
        let owned: Vec<(&'static str, &'static str)> = headers.to_vec();
        let lookup = move |name: &str| owned.iter().filter(|(k, _)| *k == name).map(|(_, v)| *v).collect::<Vec<_>>();
        match lr.select(method, path, &lookup) {
            RouteAction::Fixed { status } => *status,
            RouteAction::Forward(_) => 0,
        }
    };
    assert_eq!(status("POST", "/api/orders", &[]), 202);
    assert_eq!(status("POST", "/API/ORDERS", &[]), 201, "exact match is case-sensitive; the prefix rule is not");
    assert_eq!(status("GET", "/api/orders", &[]), 201);
    assert_eq!(status("GET", "/other", &[("x-tenant", "dark-BLUE-1"), ("x-env", "Prod")]), 203);
    assert_eq!(status("GET", "/other", &[("x-tenant", "blue"), ("x-env", "prod")]), 0, "x-env is case-sensitive");
    assert_eq!(status("GET", "/other", &[]), 0, "no rule matches: default forward");
}

#[test]
fn local_zones_answer_in_their_vpcs_and_follow_cnames_to_lattice_names() {
    let mut state = fixture();
    state.dns_zones.insert(
        "Z1".into(),
        DnsZone {
            id: "Z1".into(),
            name: "example.internal".into(),
            vpc_ids: vec!["vpc-aaaaaaaa".into()],
            comment: String::new(),
            created_at: String::new(),
            tags: Tags::new(),
            account: "000000000000".into(),
            caller_reference: String::new(),
            public: false,
        },
    );
    let record = |name: &str, kind: &str, value: &str| DnsRecord {
        id: format!("Z1_{name}_{kind}"),
        zone_id: "Z1".into(),
        name: name.into(),
        kind: kind.into(),
        ttl: 60,
        records: vec![value.into()],
        account: "000000000000".into(),
        alias: None,
    };
    for r in [
        record("app.example.internal", "CNAME", "web-1.abc.vpc-lattice-svcs.us-east-1.on.aws."),
        record("db.example.internal", "A", "127.0.0.9"),
        record("_check.example.internal", "TXT", "\"token\""),
    ] {
        state.dns_records.insert(r.id.clone(), r);
    }
    let snap = compile(&state, 1, "us-east-1");
    let a = &snap.vpcs["000000000000:vpc-aaaaaaaa"];
    let Resolution::Answer(chain) = a.resolve("APP.example.internal.", QueryType::A) else { panic!("answer expected") };
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1].data, RecordData::A(Ipv4Addr::new(127, 77, 1, 10)));
    assert_eq!(a.dns_answer("db.example.internal"), Some(Ipv4Addr::new(127, 0, 0, 9)));
    assert_eq!(
        a.resolve("_check.example.internal", QueryType::Txt),
        Resolution::Answer(vec![AnswerRecord {
            name: "_check.example.internal".into(),
            ttl: 60,
            data: RecordData::Txt("token".into()),
        }])
    );
    assert_eq!(a.resolve("db.example.internal", QueryType::Txt), Resolution::NoData);
    assert_eq!(a.resolve("nope.example.internal", QueryType::A), Resolution::NxDomain);
    assert_eq!(a.resolve("example.com", QueryType::A), Resolution::NotMine);
    // The other VPC is not associated with the zone.
    assert_eq!(
        snap.vpcs["000000000000:vpc-bbbbbbbb"].resolve("db.example.internal", QueryType::A),
        Resolution::NotMine
    );
}

#[test]
fn tls_passthrough_listeners_route_on_the_server_name_only() {
    let mut state = fixture();
    state.listeners.get_mut("listener-1").unwrap().protocol = "TLS_PASSTHROUGH".into();
    let snap = compile(&state, 1, "us-east-1");
    let door = assoc(&snap.vpcs["000000000000:vpc-aaaaaaaa"]);
    assert_eq!(door.ports().collect::<Vec<_>>(), vec![80]);
    let name = "web-1.abc.vpc-lattice-svcs.us-east-1.on.aws";
    assert!(door.passthrough(name, 80).is_some() && door.has_passthrough(80));
    assert!(door.passthrough(name, 443).is_none());
    assert!(matches!(door.admit(name, 80, None), Admission::PlainToHttps(_)));
}

#[test]
fn unhealthy_targets_are_skipped_until_none_is_healthy() {
    let state = fixture();
    let snap = compile(&state, 1, "us-east-1");
    let route =
        assoc(&snap.vpcs["000000000000:vpc-aaaaaaaa"]).route("web-1.abc.vpc-lattice-svcs.us-east-1.on.aws").unwrap();
    let RouteAction::Forward(fwd) = &route.listeners[&80].action else { panic!("forward expected") };
    let checks = snap.checks();
    assert_eq!(checks.len(), 2);
    let (a, b) = (&checks[0], &checks[1]);
    a.slot.set(Status::Healthy);
    b.slot.set(Status::Unhealthy);
    assert!((0..4).all(|_| fwd.pick().unwrap().addr == a.addr));
    // A later snapshot shares the statuses.
    let next = snap.next(&state, &Dirty::everything(&state), 2);
    assert_eq!(next.health.status("tg-1", b.addr), Some(Status::Unhealthy));
    // Fail open: with no healthy target, all take traffic again.
    a.slot.set(Status::Unhealthy);
    let picked: HashSet<SocketAddr> = (0..4).map(|_| fwd.pick().unwrap().addr).collect();
    assert_eq!(picked.len(), 2);
}

#[test]
fn routes_by_host_and_round_robins_targets() {
    let snap = compile(&fixture(), 1, "us-east-1");
    let view = &snap.vpcs["000000000000:vpc-aaaaaaaa"];
    assert_eq!(assoc(view).ports().collect::<Vec<_>>(), vec![80]);
    let route = assoc(view).route("web-1.abc.vpc-lattice-svcs.us-east-1.on.aws:80").unwrap();
    let RouteAction::Forward(fwd) = &route.listeners[&80].action else { panic!("forward expected") };
    let picks: Vec<String> = (0..4).map(|_| fwd.pick().unwrap().addr.to_string()).collect();
    assert_eq!(picks, ["127.0.0.5:8080", "127.0.0.6:9000", "127.0.0.5:8080", "127.0.0.6:9000"]);
    assert!(assoc(view).route("unknown.example").is_none());
    // The Host header's forms: with a port, a trailing dot, in capitals; not with a bad port.
    for host in ["web-1.abc.vpc-lattice-svcs.us-east-1.on.aws:65535", "WEB-1.abc.vpc-lattice-svcs.us-east-1.on.aws.:8"]
    {
        assert!(assoc(view).route(host).is_some(), "{host}");
    }
    assert!(assoc(view).route("web-1.abc.vpc-lattice-svcs.us-east-1.on.aws:8x").is_none());
}

/// What one VPC sees: its id, names with their service and listener ports, and ports.
type Observed = (String, Vec<(String, String)>, Vec<u16>);

/// What the VPCs see, comparable between snapshots.
fn observable(snap: &Snapshot) -> Vec<Observed> {
    let mut out: Vec<_> = snap
        .vpcs
        .values()
        .map(|v| {
            let mut names: Vec<(String, String)> = v
                .network
                .iter()
                .flat_map(|n| {
                    n.names.iter().map(|(k, r)| {
                        (k.clone(), format!("{}:{:?}", r.service_id, r.listeners.keys().collect::<Vec<_>>()))
                    })
                })
                .collect();
            names.sort();
            let mut ports: Vec<u16> = assoc(v).ports().collect();
            ports.sort_unstable();
            (v.vpc_id.clone(), names, ports)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn incremental_snapshots_equal_full_compilation_after_every_write() {
    use crate::state::Object;
    let mut state = fixture();
    let mut snap = compile(&state, 1, "us-east-1");
    let service = |id: &str, name: &str| Service {
        id: id.into(),
        arn: format!("arn:{id}"),
        name: name.into(),
        auth_type: "NONE".into(),
        custom_domain_name: None,
        certificate_arn: None,
        idle_timeout_seconds: 60,
        dns_entry: DnsEntry {
            domain_name: format!("{name}.x.vpc-lattice-svcs.us-east-1.on.aws"),
            hosted_zone_id: "Z".into(),
        },
        status: "ACTIVE".into(),
        created_at: String::new(),
        last_updated_at: String::new(),
        tags: Tags::new(),
        account: "000000000000".into(),
    };
    let snsa = |id: &str, svc: &str| ServiceNetworkServiceAssociation {
        id: id.into(),
        arn: String::new(),
        service_network_id: "sn-1".into(),
        service_id: svc.into(),
        status: "ACTIVE".into(),
        created_by: String::new(),
        created_at: String::new(),
        tags: Tags::new(),
        account: "000000000000".into(),
    };
    let mut listener = state.listeners["listener-1"].clone();
    listener.id = "listener-2".into();
    listener.service_id = "svc-2".into();
    listener.port = 8080;
    let mut tg = state.target_groups["tg-1"].clone();
    tg.targets.push(Target { id: "127.0.0.7".into(), port: 0 });
    let writes: Vec<Vec<ObjectChange>> = vec![
        vec![service("svc-2", "orders").put()],
        vec![snsa("snsa-2", "svc-2").put()],
        vec![listener.put()],
        vec![tg.put()],
        vec![service("svc-2", "orders-renamed").put()],
        vec![state.listeners["listener-1"].delete()],
        vec![snsa("snsa-2", "svc-2").delete(), listener.delete()],
        vec![state.sn_vpc_associations["snva-1"].delete()],
        vec![state.sn_service_associations["snsa-1"].delete(), state.services["svc-1"].delete()],
    ];
    for (i, changes) in writes.into_iter().enumerate() {
        let mut dirty = Dirty::default();
        for c in &changes {
            dirty.add(&state, c);
        }
        for c in &changes {
            state.apply(c).unwrap();
        }
        for c in &changes {
            dirty.add(&state, c);
        }
        snap = snap.next(&state, &dirty, i as u64 + 2);
        let full = compile(&state, i as u64 + 2, "us-east-1");
        assert_eq!(observable(&snap), observable(&full), "after write {i}");
    }
}
