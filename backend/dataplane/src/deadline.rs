//! One timer per client connection for all its deadlines: how long the client may stay silent,
//! how long a target may take to answer. A timer per wait costs a timer-wheel insertion and
//! removal for every read; here moving the deadline later (what each request does) touches no
//! timer: the timer stays armed where it was, and when it fires before the deadline it is armed
//! again at the deadline then. Only an earlier deadline re-arms it at once.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// A connection's current deadline and its one timer.
pub(crate) struct Deadline {
    sleep: Pin<Box<Sleep>>,
    at: Instant,
}

/// The deadline passed before the future finished.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Elapsed;

impl Deadline {
    pub(crate) fn new(at: Instant) -> Self {
        Self { sleep: Box::pin(tokio::time::sleep_until(at)), at }
    }

    /// The deadline is now `at`.
    pub(crate) fn set(&mut self, at: Instant) {
        self.at = at;
        if at < self.sleep.deadline() {
            self.sleep.as_mut().reset(at);
        }
    }

    /// The deadline is `wait` from now, or `limit` if that is sooner.
    pub(crate) fn within(&mut self, wait: Duration, limit: Option<Instant>) {
        let at = Instant::now() + wait;
        self.set(limit.map_or(at, |limit| limit.min(at)));
    }

    /// `f`'s output, unless `at` passes first.
    pub(crate) async fn set_and_run<F: Future>(&mut self, at: Instant, f: F) -> Result<F::Output, Elapsed> {
        self.set(at);
        self.run(f).await
    }

    /// `f`'s output, unless the deadline passes first.
    pub(crate) async fn run<F: Future>(&mut self, f: F) -> Result<F::Output, Elapsed> {
        let mut f = pin!(f);
        poll_fn(|cx| {
            if let Poll::Ready(out) = f.as_mut().poll(cx) {
                return Poll::Ready(Ok(out));
            }
            loop {
                match self.sleep.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) if self.sleep.deadline() >= self.at => return Poll::Ready(Err(Elapsed)),
                    // Armed for an earlier deadline that has since moved: armed again for this one.
                    Poll::Ready(()) => {
                        let at = self.at;
                        self.sleep.as_mut().reset(at);
                    }
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_deadline_moved_later_holds_and_one_moved_earlier_fires_then() {
        let start = Instant::now();
        let mut deadline = Deadline::new(start + Duration::from_secs(1));
        // Finished in time.
        assert_eq!(deadline.run(async { 7 }).await, Ok(7));
        // Moved later while armed for 1 s: a wait of 1.5 s is not cut at 1 s.
        deadline.set(start + Duration::from_secs(2));
        let slow = deadline.run(tokio::time::sleep(Duration::from_millis(1500))).await;
        assert_eq!(slow, Ok(()));
        assert_eq!(Instant::now() - start, Duration::from_millis(1500));
        // Never answering: cut at the deadline, not before.
        assert_eq!(deadline.run(std::future::pending::<()>()).await, Err(Elapsed));
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        // Moved earlier than the timer: cut then.
        deadline.set(Instant::now() + Duration::from_secs(60));
        deadline.within(Duration::from_secs(5), Some(Instant::now() + Duration::from_secs(3)));
        let before = Instant::now();
        assert_eq!(deadline.run(std::future::pending::<()>()).await, Err(Elapsed));
        assert_eq!(Instant::now() - before, Duration::from_secs(3));
    }
}
