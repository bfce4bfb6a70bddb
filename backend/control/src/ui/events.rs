//! `GET /ui/api/events`: a server-sent event each second with what the data plane counted since
//! the last one (per service, listener and target: requests and status classes per second,
//! p50/p99 latency, requests in flight, health and draining), the generation of the state (the
//! page reloads the topology and the matrix when it moves), and the access-log records kept
//! since. Counters are read from the data plane's cells, never from log files.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::Frame;
use hyper::Response;
use lattice_runtime::traffic::Totals;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::Body;
use crate::Backend;

/// How often an event is sent.
const PERIOD: Duration = Duration::from_secs(1);

/// The event stream's body: frames a task sends until the client goes or the backend stops.
#[derive(Debug)]
pub(crate) struct Events(mpsc::Receiver<Bytes>);

impl hyper::body::Body for Events {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

pub(super) fn stream(backend: &Arc<Backend>, mut stop: tokio::sync::watch::Receiver<bool>) -> Response<Body> {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    let health = backend.health();
    let backend = backend.clone();
    tokio::spawn(async move {
        // Records are kept for the tail only while someone watches.
        let _watching = health.traffic.tail.watch();
        let mut rates = Rates::default();
        let mut after = None;
        let mut tick = tokio::time::interval(PERIOD);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.wait_for(|stopping| *stopping) => break,
            }
            let snapshot = backend.snapshot();
            let (records, last) = health.traffic.tail.since(after);
            after = last;
            let event = json!({
                "generation": snapshot.generation,
                "connections": health.traffic.connections.load(std::sync::atomic::Ordering::Relaxed),
                "traffic": rates.next(&snapshot),
                "records": records.iter().filter_map(|r| serde_json::from_str::<Value>(r).ok()).collect::<Vec<_>>(),
            });
            if tx.send(Bytes::from(format!("data: {event}\n\n"))).await.is_err() {
                break;
            }
        }
    });
    let mut resp = Response::new(http_body_util::Either::Right(Events(rx)));
    resp.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("text/event-stream"));
    super::secure(resp)
}

/// The previous reading of each cell, so each event carries per-second rates.
#[derive(Default)]
struct Rates {
    before: HashMap<String, Totals>,
    at: Option<Instant>,
}

impl Rates {
    fn next(&mut self, snapshot: &lattice_model::snapshot::Snapshot) -> Value {
        let now = Instant::now();
        let seconds = self.at.map_or(PERIOD.as_secs_f64(), |at| now.duration_since(at).as_secs_f64().max(0.001));
        self.at = Some(now);
        let mut current = HashMap::new();
        let mut cells = Map::new();
        for (id, totals) in snapshot.health.traffic.totals() {
            cells.insert(id.clone(), rate(&totals, self.before.get(&id), seconds, None));
            current.insert(id, totals);
        }
        let mut targets = Vec::new();
        for (tg, addr, slot) in snapshot.targets() {
            let key = format!("{tg}/{addr}");
            let totals = slot.traffic.totals();
            let mut entry = rate(&totals, self.before.get(&key), seconds, Some(slot.in_flight()));
            entry["targetGroupId"] = json!(tg);
            entry["address"] = json!(addr.to_string());
            entry["status"] = json!(slot.get().as_str());
            entry["seen"] = json!(slot.seen().describe());
            targets.push(entry);
            current.insert(key, totals);
        }
        self.before = current;
        let draining: Vec<Value> = snapshot
            .health
            .all_draining()
            .into_iter()
            .map(|(tg, id, port, in_flight)| json!({ "targetGroupId": tg, "id": id, "port": port, "inFlight": in_flight }))
            .collect();
        json!({ "cells": cells, "targets": targets, "draining": draining })
    }
}

/// Rates since `before` (everything counted so far for a cell seen the first time is history,
/// not this second's traffic).
fn rate(totals: &Totals, before: Option<&Totals>, seconds: f64, in_flight: Option<u32>) -> Value {
    let d = before.map_or_else(Totals::default, |b| totals.since(b));
    let per_second = |n: u64| ((n as f64) / seconds * 10.0).round() / 10.0;
    json!({
        "total": totals.requests,
        "rps": per_second(d.requests),
        "classes": d.classes.iter().map(|n| per_second(*n)).collect::<Vec<_>>(),
        "p50Micros": d.percentile_micros(0.5),
        "p99Micros": d.percentile_micros(0.99),
        "inFlight": in_flight,
    })
}
