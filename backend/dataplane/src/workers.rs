//! Connection workers: proxied connections (HTTP listeners, TLS passthrough, resource
//! gateways) run on a few single-threaded runtimes, one thread each, as nginx and HAProxy run
//! one event loop per worker process. A connection stays on the worker it is given: its
//! sockets, its pooled target connections and its timers are all driven by that worker's event
//! loop, so a request costs no work stealing and no wake-up of another thread. (Measured with
//! `bench/run-resources`: the same TCP relay on the shared multi-threaded runtime is about 10%
//! slower.) Accept loops, resolvers, health checks and the control plane stay on the main
//! runtime; accepted sockets are handed over round robin.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

thread_local! {
    /// The worker this thread is, if it is one.
    static WORKER: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The worker running the calling thread (`None` off the workers): state a connection keeps
/// beyond itself, such as idle target connections, is kept per worker.
pub(crate) fn current() -> Option<usize> {
    WORKER.with(Cell::get)
}

/// The worker threads, until [`Workers::stop`] (or drop) ends them and every connection they run.
pub(crate) struct Workers {
    handles: Vec<Handle>,
    next: AtomicUsize,
    /// Connections being served, on all workers.
    active: std::sync::Arc<AtomicUsize>,
    /// Sending (or dropping) ends a worker's runtime.
    stop: Mutex<Vec<oneshot::Sender<()>>>,
}

impl Workers {
    /// Starts `count` workers (one per core when 0), counting the connections they serve in
    /// `active`.
    pub(crate) fn start(count: usize, active: std::sync::Arc<AtomicUsize>) -> io::Result<Self> {
        let count = match count {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let (mut handles, mut stop) = (Vec::with_capacity(count), Vec::with_capacity(count));
        for index in 0..count {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let (tx, rx) = oneshot::channel::<()>();
            handles.push(runtime.handle().clone());
            stop.push(tx);
            std::thread::Builder::new().name(format!("dataplane-{index}")).spawn(move || {
                WORKER.with(|w| w.set(Some(index)));
                lattice_runtime::traffic::set_shard(index);
                runtime.block_on(async {
                    let _ = rx.await;
                });
            })?;
        }
        Ok(Self { handles, next: AtomicUsize::new(0), active, stop: Mutex::new(stop) })
    }

    /// Ends the workers: the connections they run are dropped (their sockets close). The
    /// connections hold their listener, which holds the workers, so this is explicit.
    pub(crate) fn stop(&self) {
        if let Ok(mut stop) = self.stop.lock() {
            stop.clear();
        }
    }

    /// Runs `serve` on the next worker with `stream`, registered with that worker's event loop.
    pub(crate) fn spawn<F, Fut>(&self, stream: TcpStream, serve: F) -> io::Result<AbortHandle>
    where
        F: FnOnce(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let stream = stream.into_std()?;
        let worker = &self.handles[self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len()];
        // Counted until the connection's task ends, however it ends (aborted tasks drop it).
        let active = Active::enter(&self.active);
        let task = worker.spawn(async move {
            let _active = active;
            match TcpStream::from_std(stream) {
                Ok(stream) => serve(stream).await,
                Err(e) => tracing::warn!(error = %e, "cannot hand a connection to a worker"),
            }
        });
        Ok(task.abort_handle())
    }

    /// Waits until no connection is being served, for at most `limit`; true when none is left.
    pub(crate) async fn drain(&self, limit: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.active.load(Ordering::Acquire) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        true
    }
}

/// One connection in [`Workers`]' count, while it lives.
struct Active(std::sync::Arc<AtomicUsize>);

impl Active {
    fn enter(count: &std::sync::Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count.clone())
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn connections_are_spread_over_the_workers_and_stop_with_them() {
        let workers = Workers::start(2, Default::default()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut seen = Vec::new();
        for _ in 0..2 {
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            workers
                .spawn(server, |mut s| async move {
                    let worker = current().map_or(255, |w| w as u8);
                    let _ = s.write_all(&[worker]).await;
                    let _ = s.read(&mut [0u8; 1]).await;
                })
                .unwrap();
            let mut byte = [0u8; 1];
            client.read_exact(&mut byte).await.unwrap();
            seen.push((byte[0], client));
        }
        assert_eq!(seen.iter().map(|(w, _)| *w).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(current(), None);
        // Stopping the workers ends their connections: the clients see the sockets close.
        workers.stop();
        for (_, mut client) in seen {
            let read = tokio::time::timeout(std::time::Duration::from_secs(5), client.read(&mut [0u8; 1])).await;
            assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "connection still open: {read:?}");
        }
    }

    #[tokio::test]
    async fn a_drain_waits_for_connections_in_flight_and_gives_up_at_its_limit() {
        let workers = Workers::start(1, Default::default()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move { TcpStream::connect(addr).await.unwrap() });
        let (served, _) = listener.accept().await.unwrap();
        let mut client = client.await.unwrap();
        workers
            .spawn(served, |mut stream| async move {
                let mut byte = [0u8; 1];
                let _ = stream.read(&mut byte).await;
            })
            .unwrap();
        assert!(!workers.drain(std::time::Duration::from_millis(100)).await, "a connection is still open");
        client.write_all(b"x").await.unwrap();
        assert!(workers.drain(std::time::Duration::from_secs(5)).await, "it ended, so the drain did");
        workers.stop();
    }
}
