//! Prometheus metrics, kept in one small lock and rendered as text at `/metrics`.
//!
//! Labels are bounded: the route is the matched path template (never the raw path, which may
//! hold a token), kinds and reasons are fixed code strings. Recording a request allocates only
//! the first time a (route, method, status) is seen.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
pub struct Metrics(Mutex<Inner>);

#[derive(Default)]
struct Inner {
    routes: HashMap<String, Route>,
    issued: BTreeMap<&'static str, u64>,
    revoked: BTreeMap<&'static str, u64>,
    refused: BTreeMap<String, u64>,
}

#[derive(Default)]
struct Route {
    /// (method, status, count): a handful per route, searched linearly, sorted when rendered.
    requests: Vec<(String, u16, u64)>,
    buckets: [u64; BUCKETS.len()],
    sum_secs: f64,
    count: u64,
}

impl Metrics {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One finished request.
    pub fn request(&self, route: &str, method: &str, status: u16, latency: Duration) {
        let mut inner = self.inner();
        let r = match inner.routes.get_mut(route) {
            Some(r) => r,
            None => inner.routes.entry(route.to_owned()).or_default(),
        };
        match r.requests.iter_mut().find(|(m, s, _)| *s == status && m == method) {
            Some((_, _, n)) => *n += 1,
            None => r.requests.push((method.to_owned(), status, 1)),
        }
        let secs = latency.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| secs <= b) {
            r.buckets[i] += 1;
        }
        r.sum_secs += secs;
        r.count += 1;
    }

    /// Tokens minted: `auth_token`, `ably_token`, `ably_token_request`, `agora_user`, `agora_app`.
    pub fn issued(&self, kind: &'static str, n: u64) {
        *self.inner().issued.entry(kind).or_default() += n;
    }

    /// Tokens ended: `auth_token` (deleted, flushed, logged out, user deleted), `ably_subject`.
    pub fn revoked(&self, kind: &'static str, n: u64) {
        *self.inner().revoked.entry(kind).or_default() += n;
    }

    /// A credential or token refused (401/403/429), by its stable code.
    pub fn refused(&self, reason: &str) {
        let mut inner = self.inner();
        match inner.refused.get_mut(reason) {
            Some(n) => *n += 1,
            None => {
                inner.refused.insert(reason.to_owned(), 1);
            }
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self) -> String {
        let inner = self.inner();
        let mut out = String::with_capacity(4096);
        let mut routes: Vec<_> = inner.routes.iter().collect();
        routes.sort_by(|a, b| a.0.cmp(b.0));
        header(&mut out, "tokensmith_http_requests_total", "counter", "HTTP requests by route, method and status.");
        for (route, r) in &routes {
            let mut requests: Vec<_> = r.requests.iter().collect();
            requests.sort();
            for (method, status, n) in requests {
                let (route, method) = (escape(route), escape(method));
                let _ = writeln!(
                    out,
                    "tokensmith_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let name = "tokensmith_http_request_duration_seconds";
        header(&mut out, name, "histogram", "Time from request to response head, by route.");
        for (route, r) in &routes {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(r.buckets) {
                cumulative += n;
                let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", r.count);
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", r.sum_secs);
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", r.count);
        }
        counters(&mut out, "tokensmith_tokens_issued_total", "Tokens minted, by kind.", "kind", &inner.issued);
        counters(
            &mut out,
            "tokensmith_tokens_revoked_total",
            "Tokens ended or revoked, by kind.",
            "kind",
            &inner.revoked,
        );
        let refused = "Requests refused for their credential or token, by reason (stable code).";
        counters(&mut out, "tokensmith_tokens_refused_total", refused, "reason", &inner.refused);
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn counters<K: AsRef<str>>(out: &mut String, name: &str, help: &str, label: &str, values: &BTreeMap<K, u64>) {
    header(out, name, "counter", help);
    for (k, n) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(k.as_ref()));
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request("/v3/users", "POST", 200, Duration::from_micros(700));
        m.request("/v3/users", "POST", 200, Duration::from_millis(20));
        m.request("/v3/users", "POST", 400, Duration::from_secs(30));
        m.issued("auth_token", 2);
        m.refused("REPLAYED_NONCE");
        let text = m.render();
        assert!(text.contains("tokensmith_http_requests_total{route=\"/v3/users\",method=\"POST\",status=\"200\"} 2"));
        assert!(text.contains("route=\"/v3/users\",le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("route=\"/v3/users\",le=\"0.025\"} 2\n"));
        assert!(text.contains("route=\"/v3/users\",le=\"10\"} 2\n"));
        assert!(text.contains("route=\"/v3/users\",le=\"+Inf\"} 3\n"));
        assert!(text.contains("tokensmith_tokens_issued_total{kind=\"auth_token\"} 2"));
        assert!(text.contains("tokensmith_tokens_refused_total{reason=\"REPLAYED_NONCE\"} 1"));
    }
}
