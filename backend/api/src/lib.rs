//! Everything the provider and the backend share about the wire, with no I/O: the botocore
//! models that drive routing and validation, AWS-shaped errors, identifiers and ARNs, SigV4
//! signing and parsing, and timestamps.

pub mod code;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod model;
pub mod query;
pub mod sigv4;
mod validation;
pub mod xml;

pub use code::ErrorCode;
pub use error::{ApiError, FieldError};

/// The region the backend and provider use when none is configured.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The account that the `test` access key (and any unrecognised convenience key) acts as.
pub const DEFAULT_ACCOUNT: &str = "000000000000";

/// The default control-plane endpoint of a local backend.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4599";

/// An RFC 3339 timestamp with millisecond precision, as Lattice returns `createdAt`.
pub fn now_rfc3339() -> String {
    rfc3339(std::time::SystemTime::now())
}

/// `t` as an RFC 3339 timestamp with millisecond precision.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let mut out = String::with_capacity(24);
    rfc3339_into(&mut out, t);
    out
}

/// Appends `t` as [`rfc3339`] writes it (UTC, `Z`; milliseconds with trailing zeros dropped, none
/// when zero), without allocating. Times before 1970 or after 9999 are written as the `time`
/// crate writes them.
pub fn rfc3339_into(out: &mut String, t: std::time::SystemTime) {
    match rfc3339_ascii(t) {
        Some((buf, len)) => out.push_str(std::str::from_utf8(&buf[..len]).unwrap_or_default()),
        None => slow_rfc3339_into(out, t),
    }
}

/// [`rfc3339_into`] for a writer of bytes: each access-log record starts with one.
pub fn rfc3339_bytes_into(out: &mut Vec<u8>, t: std::time::SystemTime) {
    match rfc3339_ascii(t) {
        Some((buf, len)) => out.extend_from_slice(&buf[..len]),
        None => {
            let mut slow = String::new();
            slow_rfc3339_into(&mut slow, t);
            out.extend_from_slice(slow.as_bytes());
        }
    }
}

/// `t` as [`rfc3339`] writes it, in ASCII, and its length; `None` outside 1970–9999. Records
/// come many to a second, so each thread keeps the date and time of the last second it wrote.
fn rfc3339_ascii(t: std::time::SystemTime) -> Option<([u8; 24], usize)> {
    thread_local! {
        static LAST: std::cell::Cell<Option<(u64, [u8; 19])>> = const { std::cell::Cell::new(None) };
    }
    let since = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    let (secs, millis) = (since.as_secs(), since.subsec_millis());
    let mut buf = *b"0000-00-00T00:00:00.000Z";
    let put = |buf: &mut [u8; 24], at: usize, value: u64, width: usize| {
        let mut v = value;
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    match LAST.get() {
        Some((last, date_time)) if last == secs => buf[..19].copy_from_slice(&date_time),
        _ => {
            let days = (secs / 86_400) as i64;
            let of_day = secs % 86_400;
            // Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
            let z = days + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z - era * 146_097;
            let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let day = doy - (153 * mp + 2) / 5 + 1;
            let month = if mp < 10 { mp + 3 } else { mp - 9 };
            let year = yoe + era * 400 + i64::from(month <= 2);
            if year > 9999 {
                return None;
            }
            put(&mut buf, 0, year as u64, 4);
            put(&mut buf, 5, month as u64, 2);
            put(&mut buf, 8, day as u64, 2);
            put(&mut buf, 11, of_day / 3_600, 2);
            put(&mut buf, 14, of_day / 60 % 60, 2);
            put(&mut buf, 17, of_day % 60, 2);
            let mut date_time = [0u8; 19];
            date_time.copy_from_slice(&buf[..19]);
            LAST.set(Some((secs, date_time)));
        }
    }
    put(&mut buf, 20, u64::from(millis), 3);
    let end = match millis {
        0 => 19,
        m if m % 100 == 0 => 21,
        m if m % 10 == 0 => 22,
        _ => 23,
    };
    buf[end] = b'Z';
    Some((buf, end + 1))
}

fn slow_rfc3339_into(out: &mut String, t: std::time::SystemTime) {
    let t = time::OffsetDateTime::from(t);
    let t = t.replace_nanosecond(t.millisecond() as u32 * 1_000_000).unwrap_or(t);
    out.push_str(&t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default());
}

#[cfg(test)]
mod time_tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    #[test]
    fn timestamps_are_written_as_the_time_crate_writes_them() {
        let mut t = 0u64;
        // Leap days, month and year ends, centuries, every millisecond pattern.
        for step in 0..50_000u64 {
            t = t.wrapping_add(7_919_993_117 + step * 13) % 253_402_300_799_000;
            for ms in [t, t - t % 1000, t - t % 100, t - t % 10] {
                let when = UNIX_EPOCH + Duration::from_millis(ms);
                let mut slow = String::new();
                super::slow_rfc3339_into(&mut slow, when);
                assert_eq!(super::rfc3339(when), slow, "{ms}");
                let mut bytes = Vec::new();
                super::rfc3339_bytes_into(&mut bytes, when);
                assert_eq!(bytes, slow.as_bytes(), "{ms}");
            }
        }
        let before_1970 = UNIX_EPOCH - Duration::from_secs(86_400 * 400);
        let mut slow = String::new();
        super::slow_rfc3339_into(&mut slow, before_1970);
        assert_eq!(super::rfc3339(before_1970), slow);
        let mut bytes = Vec::new();
        super::rfc3339_bytes_into(&mut bytes, before_1970);
        assert_eq!(bytes, slow.as_bytes());
        assert!(super::rfc3339(SystemTime::now()).ends_with('Z'));
    }
}
