//! HTTP/1 message framing, read strictly (RFC 9110 / 9112): where a request's or response's
//! body ends (`Content-Length` of digits only and once, one `Transfer-Encoding`, chunked
//! framing scanned exactly, without decoding), so the proxy and a target can never read one
//! message two ways.

/// Headers a request or response head may have.
pub(crate) const MAX_HEADERS: usize = 100;

/// How a message's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Empty,
    Length(u64),
    Chunked,
    /// Until the sender closes (responses only).
    UntilClose,
}

pub(crate) fn named<'h, 'b>(headers: &'h [httparse::Header<'b>], name: &'h str) -> impl Iterator<Item = &'b [u8]> + 'h {
    headers.iter().filter(move |h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value)
}

/// True when a comma-separated header value lists `token`.
pub(crate) fn lists(value: &[u8], token: &str) -> bool {
    value.split(|b| *b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// The `Content-Length` of a message: `Err` unless there is at most one and it is `1*DIGIT`
/// (RFC 9110 8.6) between optional spaces. No sign, no other whitespace, no list: a target
/// that reads such a value otherwise than the proxy would find a second, hidden request in
/// the body. The value forwarded is then exactly the one the proxy framed by.
pub(crate) fn content_length(headers: &[httparse::Header<'_>]) -> Result<Option<u64>, ()> {
    let mut values = named(headers, "content-length");
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(());
    }
    let digits = value.trim_ascii();
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(());
    }
    // At most 19 digits: no overflow.
    Ok(Some(digits.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))))
}

/// Whether a `Transfer-Encoding` ends in `chunked`; `None` without one; `Err` for more than
/// one such header (which one a target obeys is anyone's guess).
pub(crate) fn chunked(headers: &[httparse::Header<'_>]) -> Result<Option<bool>, ()> {
    let mut values = named(headers, "transfer-encoding");
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(());
    }
    Ok(Some(value.rsplit(|b| *b == b',').next().is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"))))
}

impl Framing {
    /// A request's body; `Err` for framing that could smuggle a second request.
    pub(crate) fn of_request(headers: &[httparse::Header<'_>]) -> Result<Self, ()> {
        match (chunked(headers)?, content_length(headers)?) {
            (Some(true), None) => Ok(Framing::Chunked),
            (Some(_), _) => Err(()),
            (None, Some(0) | None) => Ok(Framing::Empty),
            (None, Some(n)) => Ok(Framing::Length(n)),
        }
    }

    pub(crate) fn of_response(status: u16, head_request: bool, headers: &[httparse::Header<'_>]) -> Result<Self, ()> {
        if head_request || status == 204 || status == 304 {
            return Ok(Framing::Empty);
        }
        match (chunked(headers)?, content_length(headers)?) {
            (Some(true), _) => Ok(Framing::Chunked),
            (Some(false), _) | (None, None) => Ok(Framing::UntilClose),
            (None, Some(0)) => Ok(Framing::Empty),
            (None, Some(n)) => Ok(Framing::Length(n)),
        }
    }
}

/// Finds where a chunked body ends without decoding it.
#[derive(Debug, Default)]
pub(crate) struct Chunks {
    state: ChunkState,
    size: u64,
    digits: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkState {
    #[default]
    Size,
    /// Spaces after the size, before `;` or the line's end.
    SizeSpace,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    /// At the start of a trailer line (or of the final empty line).
    LineStart,
    Trailer,
    TrailerLf,
    EndLf,
    Done,
}

impl Chunks {
    /// How many bytes of `input` belong to the body; stops at its end.
    pub(crate) fn scan(&mut self, input: &[u8]) -> Result<usize, ()> {
        use ChunkState::*;
        let mut i = 0;
        while i < input.len() && self.state != Done {
            if self.state == Data {
                let n = self.size.min((input.len() - i) as u64);
                i += n as usize;
                self.size -= n;
                if self.size == 0 {
                    self.state = DataCr;
                }
                continue;
            }
            let b = input[i];
            i += 1;
            self.state = match (self.state, b) {
                (Size, b) if b.is_ascii_hexdigit() => {
                    let digit = (b as char).to_digit(16).unwrap_or_default() as u64;
                    self.size = self.size.checked_mul(16).and_then(|s| s.checked_add(digit)).ok_or(())?;
                    self.digits = true;
                    Size
                }
                (Size, b' ' | b'\t') | (SizeSpace, b' ' | b'\t') if self.digits => SizeSpace,
                (Size, b';') | (SizeSpace, b';') if self.digits => Extension,
                (Size, b'\r') | (SizeSpace, b'\r') | (Extension, b'\r') if self.digits => SizeLf,
                // Extensions are visible characters and spaces: no bare CR or LF, no controls.
                (Extension, b) if b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80 => Extension,
                (SizeLf, b'\n') if self.size == 0 => LineStart,
                (SizeLf, b'\n') => Data,
                (DataCr, b'\r') => DataLf,
                (DataLf, b'\n') => {
                    self.digits = false;
                    Size
                }
                (LineStart, b'\r') => EndLf,
                (Trailer, b'\r') => TrailerLf,
                (TrailerLf, b'\n') => LineStart,
                (LineStart, b) | (Trailer, b) if b != b'\n' => Trailer,
                (EndLf, b'\n') => Done,
                _ => return Err(()),
            };
        }
        Ok(i)
    }

    pub(crate) fn done(&self) -> bool {
        self.state == ChunkState::Done
    }
}

/// The fuzz target's view of a request (see `crate::fuzzing`): the head parsed as the fast path
/// parses it, its framing, and a chunked body scanned whole and in pieces, which must agree.
pub(crate) fn fuzz_request(data: &[u8]) {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(head_len)) = req.parse(data) else { return };
    let _ = lists(data, "close");
    let rest = &data[head_len..];
    let framing = Framing::of_request(req.headers);
    let _ = Framing::of_response(200, false, req.headers);
    if framing == Ok(Framing::Chunked) {
        let mut whole = Chunks::default();
        let whole_end = whole.scan(rest).map(|n| (n, whole.done()));
        for step in [1, 2, 3, 7, 64] {
            let mut chunks = Chunks::default();
            let mut used = 0;
            let mut verdict = Ok((0, false));
            for piece in rest.chunks(step) {
                match chunks.scan(piece) {
                    Ok(n) => {
                        used += n;
                        verdict = Ok((used, chunks.done()));
                        if chunks.done() {
                            break;
                        }
                    }
                    Err(()) => {
                        verdict = Err(());
                        break;
                    }
                }
            }
            if rest.is_empty() {
                continue;
            }
            assert_eq!(verdict, whole_end, "chunked framing read in pieces of {step} disagrees");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(input: &[u8], step: usize) -> Result<(usize, bool), ()> {
        let mut chunks = Chunks::default();
        let mut used = 0;
        for piece in input.chunks(step) {
            let n = chunks.scan(piece)?;
            used += n;
            if chunks.done() {
                return Ok((used, true));
            }
            assert_eq!(n, piece.len(), "a piece is consumed whole until the end");
        }
        Ok((used, chunks.done()))
    }

    #[test]
    fn chunked_bodies_end_where_their_framing_says_in_any_split() {
        let body = b"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-trailer: 1\r\n\r\nGET /next";
        let end = body.len() - b"GET /next".len();
        for step in [1, 2, 3, 7, body.len()] {
            assert_eq!(scan_all(body, step), Ok((end, true)), "step {step}");
        }
        assert_eq!(scan_all(b"0\r\n\r\n", 1), Ok((5, true)));
        assert_eq!(scan_all(b"3\r\nab", 100), Ok((5, false)), "an unfinished body is not done");
        assert!(scan_all(b"zz\r\n", 1).is_err(), "a size that is not hex");
        assert!(scan_all(b"\r\n", 1).is_err(), "a size line without digits");
        assert!(scan_all(b"2\r\nabX\r\n", 1).is_err(), "data longer than its size");
        assert!(scan_all(b"ffffffffffffffffff\r\n", 1).is_err(), "a size that overflows");
    }

    fn headers<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<httparse::Header<'a>> {
        pairs.iter().map(|(n, v)| httparse::Header { name: n, value: v.as_bytes() }).collect()
    }

    #[test]
    fn request_framing_refuses_what_could_smuggle_a_request() {
        assert_eq!(Framing::of_request(&headers(&[])), Ok(Framing::Empty));
        assert_eq!(Framing::of_request(&headers(&[("Content-Length", "12")])), Ok(Framing::Length(12)));
        assert_eq!(Framing::of_request(&headers(&[("content-length", "0")])), Ok(Framing::Empty));
        assert_eq!(Framing::of_request(&headers(&[("Transfer-Encoding", "gzip, Chunked")])), Ok(Framing::Chunked));
        assert!(Framing::of_request(&headers(&[("transfer-encoding", "chunked"), ("content-length", "3")])).is_err());
        assert!(Framing::of_request(&headers(&[("transfer-encoding", "gzip")])).is_err());
        assert!(Framing::of_request(&headers(&[("content-length", "3"), ("content-length", "4")])).is_err());
        assert!(Framing::of_request(&headers(&[("content-length", "-1")])).is_err());
        // Only 1*DIGIT, once: a sign, other whitespace, a list or a repeat could be read
        // otherwise by a target.
        for bad in ["+105", "\u{a0}105", "105\u{2003}", "1 05", "0x10", "", "5, 5", "99999999999999999999"] {
            assert!(Framing::of_request(&headers(&[("content-length", bad)])).is_err(), "{bad:?}");
        }
        assert_eq!(Framing::of_request(&headers(&[("content-length", " 7 ")])), Ok(Framing::Length(7)));
        assert!(Framing::of_request(&headers(&[("content-length", "3"), ("content-length", "3")])).is_err());
        assert!(Framing::of_request(&headers(&[("transfer-encoding", "identity"), ("transfer-encoding", "chunked")]))
            .is_err());
    }

    #[test]
    fn chunked_framing_that_a_target_could_read_otherwise_is_refused() {
        for bad in [
            &b"5\nhello\r\n0\r\n\r\n"[..],
            b"5\r\nhello\n0\r\n\r\n",
            b"5 x\r\nhello\r\n0\r\n\r\n",
            b"5;a\nb\r\nhello\r\n0\r\n\r\n",
            b"5;a\rb\r\nhello\r\n0\r\n\r\n",
            b"0\r\nx: 1\n\r\n",
            b"-5\r\nhello\r\n0\r\n\r\n",
            b"ffffffffffffffffff\r\n",
        ] {
            assert_eq!(scan_all(bad, 100), Err(()), "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(scan_all(b"5 ;a=b\r\nhello\r\n0\r\n\r\n", 1), Ok((20, true)));
    }

    #[test]
    fn response_framing_follows_status_method_and_headers() {
        let cl = headers(&[("content-length", "10")]);
        assert_eq!(Framing::of_response(200, false, &cl), Ok(Framing::Length(10)));
        assert_eq!(Framing::of_response(200, true, &cl), Ok(Framing::Empty), "HEAD has no body");
        assert_eq!(Framing::of_response(304, false, &cl), Ok(Framing::Empty));
        assert_eq!(Framing::of_response(204, false, &headers(&[])), Ok(Framing::Empty));
        assert_eq!(Framing::of_response(200, false, &headers(&[])), Ok(Framing::UntilClose));
        let te = headers(&[("transfer-encoding", "chunked"), ("content-length", "10")]);
        assert_eq!(Framing::of_response(200, false, &te), Ok(Framing::Chunked));
    }
}
