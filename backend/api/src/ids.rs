//! Identifiers and ARNs in AWS formats, and the per-account label in generated DNS names.

use rand::Rng;
use sha2::{Digest, Sha256};

/// A fresh id: `prefix` followed by 17 lowercase hex digits (`sn-0158f91c1e3358dba`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_hex(17))
}

/// The part of an id after its prefix (`vpc-0a1b…` → `0a1b…`), for the ids derived from it.
pub fn suffix(id: &str) -> &str {
    id.split_once('-').map_or(id, |(_, rest)| rest)
}

/// A random UUID-shaped id (`8-4-4-4-12` hex digits), as RAM names shares and AWS request ids.
pub fn uuid() -> String {
    let hex = random_hex(32);
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// `n` random lowercase hex digits.
pub fn random_hex(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect()
}

/// `n` random characters of `alphabet` (ASCII), as AWS writes hosted zone ids and keys.
pub fn random_of(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

/// `arn:aws:vpc-lattice:<region>:<account>:<resource>`.
pub fn lattice_arn(region: &str, account: &str, resource: &str) -> String {
    format!("arn:aws:vpc-lattice:{region}:{account}:{resource}")
}

/// The id an identifier names: the identifier itself, or the last path segment of an ARN.
pub fn id_of(identifier: &str) -> &str {
    if identifier.starts_with("arn:") {
        identifier.rsplit('/').next().unwrap_or(identifier)
    } else {
        identifier
    }
}

/// The account that owns an ARN (its fifth field).
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The short hex label Lattice puts between a service's name and `vpc-lattice-svcs`; it is
/// stable per account, as observed on AWS.
pub fn dns_label(account: &str) -> String {
    let digest = Sha256::digest(format!("lattice-local:{account}").as_bytes());
    hex::encode(digest)[..7].to_string()
}

/// `<name>-<id without svc->.<label>.vpc-lattice-svcs.<region>.on.aws`
pub fn service_domain_name(name: &str, service_id: &str, account: &str, region: &str) -> String {
    let bare = service_id.strip_prefix("svc-").unwrap_or(service_id);
    format!("{name}-{bare}.{}.vpc-lattice-svcs.{region}.on.aws", dns_label(account))
}

/// `snra-….rcfg-….<label>.vpc-lattice-rsc.<region>.on.aws`: how consumers of a service network
/// reach a resource configuration associated with it.
pub fn resource_association_domain_name(snra_id: &str, rcfg_id: &str, account: &str, region: &str) -> String {
    format!("{snra_id}.{rcfg_id}.{}.vpc-lattice-rsc.{region}.on.aws", dns_label(account))
}

/// `<vpce-id>-<snsa-id>.<label>.vpc-lattice-svcs.<region>.on.aws`: a service reached through a
/// `ServiceNetwork` VPC endpoint (derived from the endpoint's and the service association's ids).
pub fn service_endpoint_domain_name(vpce_id: &str, snsa_id: &str, account: &str, region: &str) -> String {
    format!("{vpce_id}-{snsa_id}.{}.vpc-lattice-svcs.{region}.on.aws", dns_label(account))
}

/// `<vpce-id>-<snra-id>.<rcfg-id>.<label>.vpc-lattice-rsc.<region>.on.aws`: a resource reached
/// through a `ServiceNetwork` VPC endpoint.
pub fn resource_network_endpoint_domain_name(
    vpce_id: &str,
    snra_id: &str,
    rcfg_id: &str,
    account: &str,
    region: &str,
) -> String {
    format!("{vpce_id}-{snra_id}.{rcfg_id}.{}.vpc-lattice-rsc.{region}.on.aws", dns_label(account))
}

/// `<vpce-id>.<rcfg-id>.<label>.vpc-lattice-rsc.<region>.on.aws`: the default name of a resource
/// configuration reached through a `Resource` VPC endpoint.
pub fn resource_endpoint_domain_name(vpce_id: &str, rcfg_id: &str, account: &str, region: &str) -> String {
    format!("{vpce_id}.{rcfg_id}.{}.vpc-lattice-rsc.{region}.on.aws", dns_label(account))
}

/// The hosted zone id reported in `dnsEntry`; a fixed, well-formed Route 53 zone id per region.
pub fn hosted_zone_id(region: &str) -> String {
    let digest = Sha256::digest(format!("zone:{region}").as_bytes());
    format!("Z{}", &hex::encode_upper(digest)[..13])
}

/// VPC ids as AWS writes them: `vpc-` and 8 or 17 lowercase alphanumerics.
pub fn is_vpc_id(s: &str) -> bool {
    s.strip_prefix("vpc-").is_some_and(|rest| {
        (rest.len() == 8 || rest.len() == 17) && rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    })
}

/// A Region name as AWS writes them: `us-east-1`, `eu-central-2`, `us-gov-west-1`,
/// `ap-southeast-5`.
pub fn is_region(s: &str) -> bool {
    let mut parts = s.split('-');
    let (Some(area), Some(last)) = (parts.next(), parts.next_back()) else { return false };
    let middle: Vec<&str> = parts.collect();
    area.len() == 2
        && area.bytes().all(|b| b.is_ascii_lowercase())
        && (1..=2).contains(&middle.len())
        && middle.iter().all(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-5", "il-central-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in
            ["", "us-east", "useast1", "US-EAST-1", "us-east-1a", "us--1", "x-east-1", "us-east-100", "us-a-b-c-1"]
        {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn ids_match_the_model_patterns() {
        let id = new_id("svc");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("svc-"));
        assert_eq!(id_of(&lattice_arn("us-east-1", "000000000000", &format!("service/{id}"))), id);
        assert_eq!(id_of(&id), id);
    }

    #[test]
    fn service_names_follow_the_lattice_layout() {
        let name = service_domain_name("billing", "svc-0123456789abcdef0", "111122223333", "us-west-2");
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts[0], "billing-0123456789abcdef0");
        assert_eq!(parts[1].len(), 7);
        assert_eq!(&parts[2..], ["vpc-lattice-svcs", "us-west-2", "on", "aws"]);
        assert_eq!(dns_label("111122223333"), dns_label("111122223333"));
        assert_ne!(dns_label("111122223333"), dns_label("000000000000"));
    }

    #[test]
    fn vpc_ids() {
        assert!(is_vpc_id("vpc-0123456789abcdef0"));
        assert!(is_vpc_id("vpc-12345678"));
        assert!(!is_vpc_id("vpc-123"));
        assert!(!is_vpc_id("subnet-12345678"));
    }
}
