//! Traffic counters the data plane keeps per service, listener and target, and the web UI reads:
//! requests, status classes and a latency histogram. Each counter is split into per-worker
//! shards (one cache line apart), so connection workers count with relaxed atomic adds that
//! never contend; a reader sums the shards. Cells live in a table keyed by object id, so
//! compiled snapshots point at them and counts survive recompilation, as health slots do.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Shards per counter: workers beyond this share shards (still correct, merely contended).
const SHARDS: usize = 4;

/// Latency buckets: bucket `i` counts requests that took less than 2^i µs (the last, the rest).
pub const BUCKETS: usize = 24;

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(0) };
}

/// Called once by each connection worker's thread: the shard its counts go to.
pub fn set_shard(worker: usize) {
    SHARD.set(worker % SHARDS);
}

#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    requests: AtomicU64,
    /// 1xx … 5xx.
    classes: [AtomicU64; 5],
    latency: [AtomicU64; BUCKETS],
}

/// One object's counters.
#[derive(Debug, Default)]
pub struct Counters {
    shards: [Shard; SHARDS],
}

impl Counters {
    /// Counts a request answered with `status` after `elapsed` (until the response's head).
    pub fn record(&self, status: u16, elapsed: Duration) {
        let shard = &self.shards[SHARD.get()];
        shard.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(class) = shard.classes.get(usize::from(status / 100).wrapping_sub(1)) {
            class.fetch_add(1, Ordering::Relaxed);
        }
        shard.latency[bucket(elapsed)].fetch_add(1, Ordering::Relaxed);
    }

    /// The sums over all shards.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for shard in &self.shards {
            t.requests += shard.requests.load(Ordering::Relaxed);
            for (sum, class) in t.classes.iter_mut().zip(&shard.classes) {
                *sum += class.load(Ordering::Relaxed);
            }
            for (sum, bucket) in t.latency.iter_mut().zip(&shard.latency) {
                *sum += bucket.load(Ordering::Relaxed);
            }
        }
        t
    }
}

fn bucket(elapsed: Duration) -> usize {
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    // 0 µs → bucket 0 (< 1 µs); n µs → the bucket whose bound 2^i is the first above n.
    ((u64::BITS - micros.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// Counts read at one moment; the difference of two readings is what happened between them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    pub requests: u64,
    pub classes: [u64; 5],
    pub latency: [u64; BUCKETS],
}

impl Totals {
    /// What was counted since `before` (an earlier reading of the same counters).
    pub fn since(&self, before: &Totals) -> Totals {
        let mut d = self.clone();
        d.requests = d.requests.saturating_sub(before.requests);
        for (x, b) in d.classes.iter_mut().zip(&before.classes) {
            *x = x.saturating_sub(*b);
        }
        for (x, b) in d.latency.iter_mut().zip(&before.latency) {
            *x = x.saturating_sub(*b);
        }
        d
    }

    /// The latency under which `fraction` of the requests were answered: the upper bound of
    /// the bucket holding that rank, in microseconds (`None` without requests).
    pub fn percentile_micros(&self, fraction: f64) -> Option<u64> {
        let total: u64 = self.latency.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((total as f64) * fraction).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.latency.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(1u64 << i);
            }
        }
        Some(1u64 << (BUCKETS - 1))
    }
}

/// Counter cells by object id (service, listener), created on first use, the number of
/// connections the data plane's workers serve, and the tail of access-log records the web UI
/// shows.
#[derive(Debug, Default)]
pub struct TrafficTable {
    cells: RwLock<HashMap<String, Arc<Counters>>>,
    /// Client connections being served now (HTTP, TLS passthrough and resource connections).
    pub connections: Arc<AtomicUsize>,
    pub tail: Tail,
}

/// Records the tail keeps (the oldest go first).
const TAIL_LEN: usize = 500;

/// Records per second each thread adds to the tail at most: while someone watches, a loaded
/// proxy formats a record for a few requests, not for all of them.
const TAIL_RATE: u32 = 100;

thread_local! {
    /// This thread's tail budget: the second it counts in, and the records taken in it.
    static BUDGET: Cell<(Option<Instant>, u32)> = const { Cell::new((None, 0)) };
}

/// The last access-log records of every request the data plane answered, kept only while a
/// watcher (the web UI's event stream) is connected, so an unwatched proxy pays one relaxed
/// load per request for it.
#[derive(Debug, Default)]
pub struct Tail {
    watchers: AtomicUsize,
    records: Mutex<VecDeque<(u64, String)>>,
    next: AtomicU64,
}

/// A watcher of the tail: records are kept while one exists.
#[derive(Debug)]
pub struct Watching<'t>(&'t Tail);

impl Drop for Watching<'_> {
    fn drop(&mut self) {
        self.0.watchers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Tail {
    pub fn watch(&self) -> Watching<'_> {
        self.watchers.fetch_add(1, Ordering::Relaxed);
        Watching(self)
    }

    /// Whether the request being decided should have its record kept: someone watches and this
    /// thread has budget left this second.
    pub fn wants_one(&self) -> bool {
        if self.watchers.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let now = Instant::now();
        let (since, taken) = BUDGET.get();
        match since {
            Some(start) if now.duration_since(start) < Duration::from_secs(1) => {
                BUDGET.set((since, taken + 1));
                taken < TAIL_RATE
            }
            _ => {
                BUDGET.set((Some(now), 1));
                true
            }
        }
    }

    pub fn push(&self, record: &[u8]) {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut records) = self.records.lock() {
            if records.len() == TAIL_LEN {
                records.pop_front();
            }
            records.push_back((seq, String::from_utf8_lossy(record).into_owned()));
        }
    }

    /// The records after sequence number `after` (all kept ones for `None`), with the number
    /// to ask after next time.
    pub fn since(&self, after: Option<u64>) -> (Vec<String>, Option<u64>) {
        let Ok(records) = self.records.lock() else { return (vec![], after) };
        let new: Vec<&(u64, String)> = records.iter().filter(|(seq, _)| after.is_none_or(|a| *seq > a)).collect();
        let last = new.last().map(|(seq, _)| *seq).or(after);
        (new.into_iter().map(|(_, r)| r.clone()).collect(), last)
    }
}

impl TrafficTable {
    pub fn cell(&self, id: &str) -> Arc<Counters> {
        if let Some(cell) = self.cells.read().ok().and_then(|c| c.get(id).cloned()) {
            return cell;
        }
        let Ok(mut cells) = self.cells.write() else { return Arc::default() };
        cells.entry(id.to_string()).or_default().clone()
    }

    /// The totals of every cell, by id.
    pub fn totals(&self) -> HashMap<String, Totals> {
        let cells = self.cells.read().map(|c| c.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>());
        cells.unwrap_or_default().into_iter().map(|(id, cell)| (id, cell.totals())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_class_and_latency_bucket() {
        let c = Counters::default();
        c.record(200, Duration::from_micros(0));
        c.record(204, Duration::from_micros(3));
        c.record(403, Duration::from_millis(2));
        c.record(502, Duration::from_secs(3600));
        c.record(999, Duration::from_micros(1));
        let t = c.totals();
        assert_eq!(t.requests, 5);
        assert_eq!(t.classes, [0, 2, 0, 1, 1], "an out-of-range status counts in no class");
        assert_eq!(t.latency[0], 1, "< 1 µs");
        assert_eq!(t.latency[1], 1, "1 µs is under 2 µs");
        assert_eq!(t.latency[2], 1, "3 µs is under 4 µs");
        assert_eq!(t.latency[11], 1, "2,000 µs is under 2,048 µs");
        assert_eq!(t.latency[BUCKETS - 1], 1, "an hour counts in the last bucket");
    }

    #[test]
    fn percentiles_come_from_the_difference_of_two_readings() {
        let c = Counters::default();
        c.record(200, Duration::from_secs(1));
        let before = c.totals();
        for _ in 0..98 {
            c.record(200, Duration::from_micros(100));
        }
        c.record(200, Duration::from_millis(10));
        c.record(200, Duration::from_millis(10));
        let d = c.totals().since(&before);
        assert_eq!(d.requests, 100);
        assert_eq!(d.percentile_micros(0.5), Some(128), "100 µs is in the bucket under 128 µs");
        assert_eq!(d.percentile_micros(0.99), Some(16_384), "the 99th of 100 took 10 ms");
        assert_eq!(Totals::default().percentile_micros(0.5), None);
    }

    #[test]
    fn workers_count_in_their_own_shards_and_readers_see_the_sum() {
        let c = Arc::new(Counters::default());
        let threads: Vec<_> = (0..6)
            .map(|w| {
                let c = c.clone();
                std::thread::spawn(move || {
                    set_shard(w);
                    for _ in 0..1000 {
                        c.record(200, Duration::from_micros(50));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(c.totals().requests, 6000);
        let table = TrafficTable::default();
        table.cell("svc-1").record(200, Duration::ZERO);
        assert!(Arc::ptr_eq(&table.cell("svc-1"), &table.cell("svc-1")), "one cell per id");
        assert_eq!(table.totals()["svc-1"].requests, 1);
    }

    #[test]
    fn the_tail_keeps_records_only_while_watched_and_within_each_threads_budget() {
        let tail = Tail::default();
        assert!(!tail.wants_one(), "nobody watches");
        let watching = tail.watch();
        let taken = std::thread::spawn(|| {
            let other = Tail::default();
            let _w = other.watch();
            (0..1000).filter(|_| other.wants_one()).count()
        });
        assert_eq!(taken.join().unwrap(), TAIL_RATE as usize, "a thread's budget per second");
        assert!(tail.wants_one());
        for i in 0..(TAIL_LEN + 2) {
            tail.push(format!("r{i}").as_bytes());
        }
        let (all, last) = tail.since(None);
        assert_eq!(all.len(), TAIL_LEN, "the oldest are dropped");
        assert_eq!(all[0], "r2");
        tail.push(b"next");
        assert_eq!(tail.since(last), (vec!["next".to_string()], Some(TAIL_LEN as u64 + 2)));
        drop(watching);
        assert!(!tail.wants_one());
    }
}
