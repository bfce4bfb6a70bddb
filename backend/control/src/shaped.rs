//! AWS-shaped answers for requests hyper refuses before the API sees them (a head that does not
//! parse: 400; a request target over its limit: 414; headers over theirs: 431). hyper writes
//! those itself, as a bare status line; this connection wrapper recognizes them on the way out
//! (an answer of one of those statuses without the `x-amzn-requestid` every answer of the API
//! carries) and writes an AWS error instead: `x-amzn-errortype`, a request id, a JSON body.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBufCursor, Write};

/// A control-plane connection whose automatic HTTP error answers are rewritten.
pub(crate) struct Shaped<IO> {
    io: IO,
    /// The replacement being written, and how much of it is out.
    replacing: Option<(Vec<u8>, usize)>,
}

impl<IO> Shaped<IO> {
    pub(crate) fn new(io: IO) -> Self {
        Self { io, replacing: None }
    }
}

/// The AWS error that stands for hyper's automatic answer in `head`, if it is one.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let (status, code, message) = if head.starts_with(b"HTTP/1.1 400 ") {
        (400, "BadRequestException", "The request is not valid HTTP/1.1")
    } else if head.starts_with(b"HTTP/1.1 414 ") {
        (414, "UriTooLongException", "The request target is too long")
    } else if head.starts_with(b"HTTP/1.1 431 ") {
        (431, "RequestHeaderFieldsTooLargeException", "The request's headers are too large")
    } else {
        return None;
    };
    let ours = head.windows(16).any(|w| w.eq_ignore_ascii_case(b"x-amzn-requestid"));
    if ours {
        return None;
    }
    let reason = match status {
        400 => "Bad Request",
        414 => "URI Too Long",
        _ => "Request Header Fields Too Large",
    };
    let body = serde_json::json!({ "__type": code, "code": code, "message": message }).to_string();
    Some(
        format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\nx-amzn-errortype: {code}\r\nx-amzn-requestid: {}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
            lattice_api::ids::new_id("req"),
            body.len()
        )
        .into_bytes(),
    )
}

impl<IO: Read + Unpin> Read for Shaped<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<IO: Write + Unpin> Write for Shaped<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            match replacement(buf) {
                Some(bytes) => this.replacing = Some((bytes, 0)),
                None => return Pin::new(&mut this.io).poll_write(cx, buf),
            }
        }
        // hyper's answer is small and written at once; it is swallowed whole once ours is out.
        let Some((bytes, sent)) = this.replacing.as_mut() else { return Poll::Ready(Ok(buf.len())) };
        while *sent < bytes.len() {
            match Pin::new(&mut this.io).poll_write(cx, &bytes[*sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *sent += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_bare_answers_become_aws_errors_and_ours_pass() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        let shaped = String::from_utf8(replacement(bare).unwrap()).unwrap();
        assert!(shaped.starts_with("HTTP/1.1 431 "), "{shaped}");
        assert!(shaped.contains("x-amzn-errortype: RequestHeaderFieldsTooLargeException\r\n"), "{shaped}");
        assert!(shaped.ends_with(r#""message":"The request's headers are too large"}"#), "{shaped}");
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nx-amzn-requestid: req-1\r\n\r\n";
        assert!(replacement(ours).is_none());
        assert!(replacement(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
    }
}
