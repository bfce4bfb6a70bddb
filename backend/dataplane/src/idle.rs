//! The idle timeout of client connections hyper serves (HTTP/2, and HTTP/1 connections the
//! fast path hands over): hyper has none of its own, so the connection's IO fails once nothing
//! has been read or written for the limit, and hyper closes it. The fast path keeps its own
//! timeout (`h1::serve`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// `io`, failing reads with `TimedOut` after `limit` without a byte either way.
pub(crate) struct IdleTimeout<IO> {
    io: IO,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<IO> IdleTimeout<IO> {
    pub(crate) fn new(io: IO, limit: Duration) -> Self {
        Self { io, limit, deadline: Box::pin(tokio::time::sleep(limit)) }
    }

    fn active(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.limit);
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for IdleTimeout<IO> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.active();
                }
                Poll::Ready(result)
            }
            // Waiting to read is where a connection idles: the deadline wakes this read.
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout"))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.active();
        }
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn reads_fail_after_the_limit_without_traffic_and_traffic_defers_it() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut conn = IdleTimeout::new(near, Duration::from_secs(60));
        let mut byte = [0u8; 1];
        // Traffic at 40 s moves the deadline to 100 s.
        tokio::time::sleep(Duration::from_secs(40)).await;
        far.write_all(b"x").await.unwrap();
        conn.read_exact(&mut byte).await.unwrap();
        let since = Instant::now();
        let err = conn.read(&mut byte).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(since.elapsed(), Duration::from_secs(60));
    }
}
