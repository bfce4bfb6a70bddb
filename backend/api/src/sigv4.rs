//! AWS Signature Version 4: one canonicalisation used both to sign (the provider) and to
//! check (the backend), so the two sides cannot drift apart.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// A header as a (name, value) pair: of owned or borrowed strings, or a borrowed name and the
/// value's bytes as received (a value that is not UTF-8 reads empty: it cannot take part in a
/// signature or a condition).
pub trait HeaderField {
    fn name(&self) -> &str;
    fn value(&self) -> &str;

    /// The value's bytes: what [`HeaderField::value`] reads, without its UTF-8 check when the
    /// value was received as bytes (a value that is not UTF-8 must still be read through
    /// `value`).
    fn value_bytes(&self) -> &[u8] {
        self.value().as_bytes()
    }
}

impl<S: AsRef<str>> HeaderField for (S, S) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }

    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl HeaderField for (&str, &[u8]) {
    fn name(&self) -> &str {
        self.0
    }

    fn value(&self) -> &str {
        std::str::from_utf8(self.1).unwrap_or_default()
    }

    fn value_bytes(&self) -> &[u8] {
        self.1
    }
}

/// The value of the first header named `name` (in any case).
pub fn header<'h, H: HeaderField>(headers: &'h [H], name: &str) -> Option<&'h str> {
    field(headers, name).map(HeaderField::value)
}

/// The first header named `name` (in any case).
fn field<'h, H: HeaderField>(headers: &'h [H], name: &str) -> Option<&'h H> {
    headers.iter().find(|h| h.name().eq_ignore_ascii_case(name))
}

/// The parts of a request that the signature covers.
#[derive(Debug)]
pub struct SignableRequest<'a, H: HeaderField = (String, String)> {
    pub method: &'a str,
    /// The path exactly as sent on the wire (percent-encoded).
    pub raw_path: &'a str,
    /// The raw query string (without `?`), possibly empty.
    pub raw_query: &'a str,
    /// Header names (any case) and values.
    pub headers: &'a [H],
    pub body: &'a [u8],
}

/// Parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`,
/// borrowing from the header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub access_key: &'a str,
    pub date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    /// `host;x-amz-date;…` as sent: see [`Authorization::signed_headers`].
    pub signed_header_list: &'a str,
    pub signature: &'a str,
}

impl<'a> Authorization<'a> {
    /// The names of the signed headers.
    pub fn signed_headers(&self) -> impl Iterator<Item = &'a str> + Clone {
        split_ascii(self.signed_header_list, b';')
    }
}

/// `s` split at each `sep`, an ASCII byte: what `str::split` gives, without its searcher's setup
/// on every field of the short lists a signature holds.
fn split_ascii(s: &str, sep: u8) -> impl Iterator<Item = &str> + Clone {
    split_ascii_by(s, sep, |r, sep| r.bytes().position(|b| b == sep))
}

/// [`split_ascii`] for long fields: the separator is searched for with vector compares.
fn split_ascii_long(s: &str, sep: u8) -> impl Iterator<Item = &str> + Clone {
    split_ascii_by(s, sep, |r, sep| memchr::memchr(sep, r.as_bytes()))
}

fn split_ascii_by(
    s: &str,
    sep: u8,
    find: impl Fn(&str, u8) -> Option<usize> + Clone,
) -> impl Iterator<Item = &str> + Clone {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match find(r, sep) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Each byte's two lower-case hex digits.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        pairs[b] = [DIGITS[b >> 4], DIGITS[b & 0xf]];
        b += 1;
    }
    pairs
};

/// Each byte's value as a hex digit (either case), 0xff for any other byte.
const HEX_VALUES: [u8; 256] = {
    let mut values = [0xffu8; 256];
    let mut c = 0;
    while c < 256 {
        values[c] = match c as u8 {
            d @ b'0'..=b'9' => d - b'0',
            d @ b'a'..=b'f' => d - b'a' + 10,
            d @ b'A'..=b'F' => d - b'A' + 10,
            _ => 0xff,
        };
        c += 1;
    }
    values
};

/// A digest in lower-case hex: a byte's two digits at a time from a table (the `hex` crate's
/// iterators cost several times as much on every verified request).
fn hex_into(digest: &[u8; 32], out: &mut [u8; 64]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

/// Hex digits (either case) into bytes; false, leaving `out` partly written, unless `hex` is
/// exactly twice `out`'s length of hex digits.
fn unhex_into(hex: &[u8], out: &mut [u8; 32]) -> bool {
    if hex.len() != 2 * out.len() {
        return false;
    }
    let mut bad = 0;
    for (b, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = (HEX_VALUES[usize::from(pair[0])], HEX_VALUES[usize::from(pair[1])]);
        bad |= hi | lo;
        *b = (hi << 4) | (lo & 0xf);
    }
    bad & 0xf0 == 0
}

/// AWS URI encoding: everything but unreserved characters (and `/` when `keep_slash`) is
/// percent-encoded in upper-case hex.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = Vec::with_capacity(s.len());
    uri_encode_into(&mut out, s, keep_slash);
    // Only ASCII was written.
    String::from_utf8(out).unwrap_or_default()
}

fn uri_encode_into(out: &mut Vec<u8>, s: &str, keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', "%20")).decode_utf8_lossy().into_owned()
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// An HMAC keyed with a derived signing key, and the [date, region, service, secret] it was
/// derived for.
struct DerivedKey {
    scope: [String; 4],
    mac: HmacSha256,
}

/// An HMAC keyed with the signing key of a secret for one day, region and service. Deriving the
/// key takes four HMACs and it changes once a day, so each thread keeps the keyed HMACs it
/// made (a few dozen at most, most recent first; looked up without building the scope).
fn signing_mac(secret: &str, date: &str, region: &str, service: &str) -> HmacSha256 {
    thread_local! {
        static KEYS: std::cell::RefCell<Vec<DerivedKey>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let scope = [date, region, service, secret];
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(i) = keys.iter().position(|k| k.scope == scope) {
            if i > 0 {
                keys.swap(0, i);
            }
            return keys[0].mac.clone();
        }
        let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
        let k_region = hmac(&k_date, region.as_bytes());
        let k_service = hmac(&k_region, service.as_bytes());
        let key = hmac(&k_service, b"aws4_request");
        let mac = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
        keys.truncate(63);
        keys.insert(0, DerivedKey { scope: scope.map(str::to_string), mac: mac.clone() });
        mac
    })
}

/// Appends a header value as SigV4 canonicalizes it: runs of whitespace fold to one space;
/// leading and trailing ones go.
fn push_trimmed<H: HeaderField>(out: &mut Vec<u8>, h: &H) {
    // Most values (a host, a date, a hash) have nothing to fold: visible ASCII only, which is
    // UTF-8 as it stands. Tested without an early exit, so the test compiles to vector compares.
    let raw = h.value_bytes();
    let plain = raw.iter().fold(true, |plain, &b| plain & (b.wrapping_sub(0x21) < 0x5e));
    if plain {
        out.extend_from_slice(raw);
        return;
    }
    for (j, word) in h.value().split_whitespace().enumerate() {
        if j > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(word.as_bytes());
    }
}

/// Writes the canonical request into `out` (cleared first).
fn canonical_request<'h, H: HeaderField>(
    out: &mut Vec<u8>,
    req: &SignableRequest<'_, H>,
    signed_headers: impl Iterator<Item = &'h str> + Clone,
    payload_hash: &[u8],
) {
    out.clear();
    out.extend_from_slice(req.method.as_bytes());
    out.push(b'\n');
    // Non-S3 services sign the already-encoded path encoded once more.
    uri_encode_into(out, if req.raw_path.is_empty() { "/" } else { req.raw_path }, true);
    out.push(b'\n');
    if !req.raw_query.is_empty() {
        let mut query: Vec<(String, String)> = req
            .raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (uri_encode(&decode(k), false), uri_encode(&decode(v), false))
            })
            .collect();
        query.sort();
        for (i, (k, v)) in query.iter().enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            out.extend_from_slice(k.as_bytes());
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
        }
    }
    out.push(b'\n');
    for name in signed_headers.clone() {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let values = req.headers.iter().filter(|h| h.name().eq_ignore_ascii_case(name));
        for (i, h) in values.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_trimmed(out, h);
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    for (i, name) in signed_headers.enumerate() {
        if i > 0 {
            out.push(b';');
        }
        out.extend_from_slice(name.as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(payload_hash);
}

fn signature<'h, H: HeaderField>(
    req: &SignableRequest<'_, H>,
    signed_headers: impl Iterator<Item = &'h str> + Clone,
    payload_hash: &[u8],
    secret: &str,
    amz_date: &str,
    (region, service): (&str, &str),
) -> [u8; 32] {
    // `verify` may be handed any header value: take the date only where it is ASCII.
    let date = amz_date.get(..8).unwrap_or(amz_date);
    thread_local! {
        /// Each thread writes canonical requests in one buffer, kept between requests.
        static CREQ: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let digest = CREQ.with_borrow_mut(|creq| {
        canonical_request(creq, req, signed_headers, payload_hash);
        Sha256::digest(creq.as_slice())
    });
    let mut creq_hash = [0u8; 64];
    hex_into(&digest.into(), &mut creq_hash);
    // The string to sign, fed to the HMAC piece by piece.
    let mut mac = signing_mac(secret, date, region, service);
    for piece in [ALGORITHM, "\n", amz_date, "\n", date, "/", region, "/", service, "/aws4_request\n"] {
        mac.update(piece.as_bytes());
    }
    mac.update(&creq_hash);
    mac.finalize().into_bytes().into()
}

/// `YYYYMMDD'T'HHMMSS'Z'`
pub fn amz_date(t: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Signs a request; returns the headers to add (`x-amz-date`, `x-amz-content-sha256`,
/// `authorization`). `req.headers` must already hold `host`.
pub fn sign<H: HeaderField>(
    req: &SignableRequest<'_, H>,
    access_key: &str,
    secret: &str,
    region: &str,
    service: &str,
    now: OffsetDateTime,
) -> Vec<(String, String)> {
    let payload_hash = hex::encode(Sha256::digest(req.body));
    sign_with_payload_hash(req, &payload_hash, (access_key, secret), region, service, now)
}

/// Signs with a given payload hash, e.g. `UNSIGNED-PAYLOAD` as VPC Lattice services require.
pub fn sign_with_payload_hash<H: HeaderField>(
    req: &SignableRequest<'_, H>,
    payload_hash: &str,
    (access_key, secret): (&str, &str),
    region: &str,
    service: &str,
    now: OffsetDateTime,
) -> Vec<(String, String)> {
    let date = amz_date(now);
    let payload_hash = payload_hash.to_string();
    let mut headers: Vec<(String, String)> =
        req.headers.iter().map(|h| (h.name().to_string(), h.value().to_string())).collect();
    headers.push(("x-amz-date".into(), date.clone()));
    headers.push(("x-amz-content-sha256".into(), payload_hash.clone()));
    let mut lower: Vec<String> = headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    lower.sort();
    lower.dedup();
    let signed: Vec<&str> = lower.iter().map(String::as_str).collect();
    let full = SignableRequest {
        method: req.method,
        raw_path: req.raw_path,
        raw_query: req.raw_query,
        headers: &headers,
        body: req.body,
    };
    let sig = hex::encode(signature(
        &full,
        signed.iter().copied(),
        payload_hash.as_bytes(),
        secret,
        &date,
        (region, service),
    ));
    vec![
        ("x-amz-date".into(), date.clone()),
        ("x-amz-content-sha256".into(), payload_hash),
        (
            "authorization".into(),
            format!(
                "{ALGORITHM} Credential={access_key}/{}/{region}/{service}/aws4_request, SignedHeaders={}, Signature={sig}",
                &date[..8],
                signed.join(";")
            ),
        ),
    ]
}

/// Parses an `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Authorization<'_>, ApiError> {
    let incomplete = || ApiError::signature("IncompleteSignatureException", "Authorization header is malformed");
    let rest = value.strip_prefix(ALGORITHM).ok_or_else(|| {
        ApiError::signature("IncompleteSignatureException", "Only AWS4-HMAC-SHA256 signatures are supported")
    })?;
    let (mut credential, mut signed_headers, mut sig) = (None, None, None);
    // Three fields of tens of bytes each.
    for part in split_ascii_long(rest, b',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            sig = Some(v);
        }
    }
    let mut scope = split_ascii(credential.ok_or_else(incomplete)?, b'/');
    let mut part = || scope.next().ok_or_else(incomplete);
    let (access_key, date, region, service) = (part()?, part()?, part()?, part()?);
    if part()? != "aws4_request" || scope.next().is_some() {
        return Err(incomplete());
    }
    let signature = sig.ok_or_else(incomplete)?;
    if signature.len() != 64 || !signature.bytes().fold(true, |hex, b| hex & b.is_ascii_hexdigit()) {
        return Err(incomplete());
    }
    Ok(Authorization {
        access_key,
        date,
        region,
        service,
        signed_header_list: signed_headers.ok_or_else(incomplete)?,
        signature,
    })
}

/// Checks scope and time of a parsed signature: the right service and region, a credential
/// date that matches `x-amz-date`, and a request time within 15 minutes of `now`.
pub fn check_scope(
    auth: &Authorization,
    amz_date_header: Option<&str>,
    region: &str,
    service: &str,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    if auth.service != service {
        return Err(ApiError::signature(
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{service}'."),
        ));
    }
    if auth.region != region {
        return Err(ApiError::signature(
            "InvalidSignatureException",
            format!("Credential should be scoped to a valid region, not '{}'. ", auth.region),
        ));
    }
    let header = amz_date_header.ok_or_else(|| {
        ApiError::signature("IncompleteSignatureException", "Authorization header requires existence of X-Amz-Date")
    })?;
    let when = parse_amz_date(header)
        .ok_or_else(|| ApiError::signature("IncompleteSignatureException", "X-Amz-Date is malformed"))?;
    if !header.starts_with(auth.date) {
        return Err(ApiError::signature(
            "InvalidSignatureException",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP",
        ));
    }
    if (now - when).whole_minutes().abs() > 15 {
        return Err(ApiError::signature(
            "InvalidSignatureException",
            format!("Signature expired: {header} is now earlier than 15 minutes from the current time"),
        ));
    }
    Ok(())
}

/// `YYYYMMDD'T'HHMMSS'Z'` read. A client signs many requests within one second, so each thread
/// keeps the last date it read and reads a header again only when it differs.
fn parse_amz_date(header: &str) -> Option<OffsetDateTime> {
    thread_local! {
        static LAST: std::cell::RefCell<(String, Option<OffsetDateTime>)> =
            const { std::cell::RefCell::new((String::new(), None)) };
    }
    LAST.with_borrow_mut(|(text, when)| {
        if text != header || when.is_none() {
            let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
            *when = time::PrimitiveDateTime::parse(header, &format).ok().map(time::PrimitiveDateTime::assume_utc);
            text.clear();
            text.push_str(header);
        }
        *when
    })
}

/// True when `auth.signature` is the signature of `req` under `secret`.
pub fn verify<H: HeaderField>(
    req: &SignableRequest<'_, H>,
    auth: &Authorization,
    secret: &str,
    amz_date_header: &str,
) -> bool {
    let computed;
    let payload_hash = match field(req.headers, "x-amz-content-sha256") {
        Some(h) => h.value_bytes(),
        None => {
            computed = hex::encode(Sha256::digest(req.body));
            computed.as_bytes()
        }
    };
    let mut given = [0u8; 32];
    if !unhex_into(auth.signature.as_bytes(), &mut given) {
        return false;
    }
    let expected =
        signature(req, auth.signed_headers(), payload_hash, secret, amz_date_header, (auth.region, auth.service));
    // Constant-time comparison.
    expected.iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(headers: &'a [(String, String)], body: &'a [u8]) -> SignableRequest<'a> {
        SignableRequest { method: "POST", raw_path: "/tags/arn%3Aaws%3Ax", raw_query: "b=2&a=1", headers, body }
    }

    #[test]
    fn a_signed_request_verifies_and_a_tampered_one_does_not() {
        let now = OffsetDateTime::now_utc();
        let base = vec![("host".to_string(), "127.0.0.1:4599".to_string())];
        let added = sign(&request(&base, b"{}"), "AKID", "secret", "us-east-1", "vpc-lattice", now);
        let mut headers = base.clone();
        headers.extend(added.clone());
        let auth = parse_authorization(&added[2].1).unwrap();
        assert_eq!(auth.service, "vpc-lattice");
        assert!(verify(&request(&headers, b"{}"), &auth, "secret", &added[0].1));
        assert!(!verify(&request(&headers, b"{}"), &auth, "other", &added[0].1));
        let tampered = SignableRequest { method: "DELETE", ..request(&headers, b"{}") };
        assert!(!verify(&tampered, &auth, "secret", &added[0].1));
        check_scope(&auth, Some(&added[0].1), "us-east-1", "vpc-lattice", now).unwrap();
        let err = check_scope(&auth, Some(&added[0].1), "eu-west-1", "vpc-lattice", now).unwrap_err();
        assert_eq!(err.code, "InvalidSignatureException");
        let later = now + time::Duration::minutes(20);
        assert!(check_scope(&auth, Some(&added[0].1), "us-east-1", "vpc-lattice", later).is_err());
    }

    #[test]
    fn ascii_splits_split_as_str_split_does() {
        for s in ["", ",", "a", "a,b", ",a,", "a,,b", "é,ü,", "host;x-amz-date"] {
            for sep in [b',', b';'] {
                let std: Vec<&str> = s.split(char::from(sep)).collect();
                assert_eq!(split_ascii(s, sep).collect::<Vec<_>>(), std, "{s:?}");
                assert_eq!(split_ascii_long(s, sep).collect::<Vec<_>>(), std, "{s:?}");
            }
        }
    }

    #[test]
    fn hex_reads_and_writes_as_the_hex_crate_does() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37 + 5) as u8 ^ 0xa5);
        let mut ours = [0u8; 64];
        hex_into(&bytes, &mut ours);
        assert_eq!(ours.as_slice(), hex::encode(bytes).as_bytes());
        let mut back = [0u8; 32];
        assert!(unhex_into(&ours, &mut back));
        assert_eq!(back, bytes);
        assert!(unhex_into(hex::encode_upper(bytes).as_bytes(), &mut back));
        assert_eq!(back, bytes);
        for bad in [&ours[..63], &[b'0'; 65][..], b"", &[b'g'; 64][..], &[b' '; 64][..]] {
            assert!(!unhex_into(bad, &mut back), "{bad:?}");
        }
        // Every byte value, both ways.
        for first in (0..=255u8).step_by(32) {
            let bytes: [u8; 32] = std::array::from_fn(|i| first + i as u8);
            hex_into(&bytes, &mut ours);
            assert_eq!(ours.as_slice(), hex::encode(bytes).as_bytes());
            assert!(unhex_into(&ours, &mut back) && back == bytes);
        }
        let mut one_bad = ours;
        for c in [b'g', b'/', b':', b'@', b'G', 0xff, 0x80] {
            one_bad[40] = c;
            assert!(!unhex_into(&one_bad, &mut back), "{c}");
        }
    }

    #[test]
    fn header_values_fold_whitespace_as_before_whatever_the_fast_path_takes() {
        for value in ["plain", "a b c", " lead", "trail ", "a  b", "a\tb", "\u{a0}x", "ü b", "", " ", "x\ny", "a b  "]
        {
            let folded = value.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut fast = Vec::new();
            push_trimmed(&mut fast, &("x", value));
            assert_eq!(fast, folded.as_bytes(), "{value:?}");
            // Received as bytes, the same.
            let mut received = Vec::new();
            push_trimmed(&mut received, &("x", value.as_bytes()));
            assert_eq!(received, folded.as_bytes(), "{value:?}");
        }
        // A value that is not UTF-8 reads empty, as `value` reads it.
        let mut received = Vec::new();
        push_trimmed(&mut received, &("x", &b"\xff a"[..]));
        assert!(received.is_empty());
    }

    #[test]
    fn matches_the_aws_documented_example_signature() {
        // The IAM ListUsers example from the AWS SigV4 documentation.
        let headers = vec![
            ("content-type".to_string(), "application/x-www-form-urlencoded; charset=utf-8".to_string()),
            ("host".to_string(), "iam.amazonaws.com".to_string()),
            ("x-amz-date".to_string(), "20150830T123600Z".to_string()),
        ];
        let req = SignableRequest {
            method: "GET",
            raw_path: "/",
            raw_query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let auth = Authorization {
            access_key: "AKIDEXAMPLE",
            date: "20150830",
            region: "us-east-1",
            service: "iam",
            signed_header_list: "content-type;host;x-amz-date",
            signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        };
        assert!(verify(&req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830T123600Z"));
    }
}
