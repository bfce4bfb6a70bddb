//! Entry points for the fuzz targets under `fuzz/` (`cargo fuzz run <target>`), and the replay
//! of their corpora as ordinary tests, so what a fuzzer once found stays fixed. Each takes raw
//! bytes and asserts the properties that must hold for any input (beyond not panicking).

use std::collections::HashMap;

use crate::{ids, model, query, sigv4, xml};

/// Splits fuzz input into `n` fields at `\n` (the last takes the rest).
fn fields(data: &[u8], n: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<String> = text.splitn(n, '\n').map(str::to_string).collect();
    out.resize(n, String::new());
    out
}

/// The request fuzz fields describe (method, path, query, body at 2, 3, 4, 6), with `headers`.
fn signable<'a>(f: &'a [String], headers: &'a [(String, String)]) -> sigv4::SignableRequest<'a> {
    sigv4::SignableRequest { method: &f[2], raw_path: &f[3], raw_query: &f[4], headers, body: f[6].as_bytes() }
}

/// SigV4: parsing and scope checks of any `Authorization` / `x-amz-date`, and for any request,
/// a signature made by `sign` verifies and a changed body does not.
pub fn sigv4(data: &[u8]) {
    let f = fields(data, 7);
    let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    // Headers as HTTP can carry them (a name is a token, a value has no control characters):
    // `;` in a name, say, cannot reach a server, and would split SignedHeaders differently.
    let token =
        |k: &str| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value_ok = |v: &str| v.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80);
    let headers: Vec<(String, String)> = f[5]
        .split('\r')
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| token(k) && value_ok(v))
        .collect();
    if let Ok(auth) = sigv4::parse_authorization(&f[0]) {
        let _ = sigv4::check_scope(&auth, Some(&f[1]), "us-east-1", "vpc-lattice", now);
        let _ = sigv4::verify(&signable(&f, &headers), &auth, "secret", &f[1]);
    }
    // Round trip: whatever the request, our own signature must verify, and only for its body.
    // What the signer adds itself, a client does not send beforehand.
    let mut with_host: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| {
            !["host", "authorization", "x-amz-date", "x-amz-content-sha256"].iter().any(|n| k.eq_ignore_ascii_case(n))
        })
        .cloned()
        .collect();
    with_host.push(("host".into(), "127.0.0.1:4599".into()));
    let added = sigv4::sign(&signable(&f, &with_host), "AKIDEXAMPLE", "secret", "us-east-1", "vpc-lattice", now);
    let mut signed_headers = with_host.clone();
    signed_headers.extend(added.iter().cloned());
    let authorization = &added.iter().find(|(k, _)| k == "authorization").expect("sign adds authorization").1;
    let date = &added.iter().find(|(k, _)| k == "x-amz-date").expect("sign adds x-amz-date").1;
    let auth = sigv4::parse_authorization(authorization).expect("our own Authorization parses");
    let signed = signable(&f, &signed_headers);
    assert!(sigv4::verify(&signed, &auth, "secret", date), "a request we signed must verify");
    assert!(!sigv4::verify(&signed, &auth, "other", date), "another secret must not verify");
}

/// The API request decoder: routing any method and path, binding and validating any query and
/// body; errors stay small whatever the input.
pub fn api_request(data: &[u8]) {
    let f = fields(data, 4);
    let query: Vec<(String, String)> = f[2]
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    for service in [model::vpc_lattice(), model::ram()] {
        if let Some((op, labels)) = service.match_request(&f[0], &f[1]) {
            if let Err(e) = service.bind_and_validate(op, &labels, &query, f[3].as_bytes()) {
                let body = e.body().to_string();
                assert!(body.len() < 32 * 1024, "an error answer of {} bytes", body.len());
            }
        }
        // Every operation, with the input as its body and labels.
        let labels: HashMap<String, String> = [("serviceIdentifier", &f[1]), ("resourceArn", &f[1])]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        if let Some(op) = service.operations.get(data.first().map_or(0, |b| usize::from(*b)) % service.operations.len())
        {
            let _ = service.bind_and_validate(op, &labels, &query, f[3].as_bytes());
        }
    }
}

/// The XML-family decoders (`query`/`ec2` forms for STS and EC2, `rest-xml` bodies for Route 53)
/// on any input: they answer or refuse, never panic; errors stay small; an input they accept
/// validates against the model and, written back as the operation's output would be, is
/// well-formed XML.
pub fn aws_xml(data: &[u8]) {
    let f = fields(data, 3);
    let mut form = query::Form::new();
    query::parse_form(&mut form, &f[0]);
    for service in [model::sts(), model::ec2()] {
        match query::operation(service, &form)
            .and_then(|op| query::bind_and_validate(service, op, &form).map(|i| (op, i)))
        {
            Ok((op, input)) => {
                let mut errors = vec![];
                if let Some(shape) = op.input.as_deref() {
                    service.validate_structure(shape, &input, "", &mut errors);
                }
                assert!(errors.is_empty(), "accepted input must validate: {errors:?}");
            }
            Err(e) => {
                assert!(e.body().to_string().len() < 32 * 1024, "an error of {} bytes", e.body().to_string().len())
            }
        }
    }
    let route53 = model::route53();
    let op = &route53.operations[data.first().map_or(0, |b| usize::from(*b)) % route53.operations.len()];
    let labels: HashMap<String, String> = [("Id".to_string(), f[1].clone())].into_iter().collect();
    match xml::bind_and_validate(route53, op, &labels, &[], f[2].as_bytes()) {
        Ok(input) => {
            // An output written from the same values is well-formed (escaping holds).
            let answer = xml::write_output(route53, op, &input, "r");
            let mut reader = quick_xml::Reader::from_str(&answer.body);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("we wrote malformed XML ({e}): {}", answer.body),
                }
            }
        }
        Err(e) => {
            let text = xml::write_error(route53.protocol, &route53.xml_namespace, &e, "r");
            assert!(text.len() < 32 * 1024, "an error of {} bytes", text.len());
        }
    }
}

/// Identifier and ARN helpers on any string.
pub fn identifiers(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let id = ids::id_of(&s);
    assert!(s.ends_with(id), "an id is the identifier's tail");
    if let Some(account) = ids::arn_account(&s) {
        assert!(s.contains(account));
    }
    let _ = ids::is_vpc_id(&s);
    let label = ids::dns_label(&s);
    assert!(label.bytes().all(|b| b.is_ascii_alphanumeric()), "{label}");
    let encoded = sigv4::uri_encode(&s, true);
    assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)));
    let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8_lossy();
    assert_eq!(decoded, s, "URI encoding round-trips");
}

/// Replays every file of `fuzz/corpus/<target>` through `run`.
#[cfg(test)]
pub(crate) fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a corpus entry").path();
        run(&std::fs::read(&path).expect("a corpus file"));
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fuzz_corpora_replay() {
        for (target, run) in [
            ("sigv4", sigv4 as fn(&[u8])),
            ("api_request", api_request),
            ("identifiers", identifiers),
            ("aws_xml", aws_xml),
        ] {
            assert!(replay(target, run) > 0, "{target} has a corpus");
        }
    }
}
