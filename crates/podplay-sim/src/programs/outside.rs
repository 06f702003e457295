//! The outside log store, shown as Elasticsearch: it stores every document
//! posted to `/_bulk` and answers `/_count`.

use super::http::{parse_request, response};
use super::task;
use crate::kernel::exec::{Sys, Task};

pub fn main(sys: Sys, _argv: Vec<String>) -> Task {
    task(async move {
        if sys.listen(9200).is_err() {
            return 1;
        }
        let mut count = 0usize;
        loop {
            let Ok(conn) = sys.accept_or_signal().await else {
                return 0;
            };
            let req = parse_request(&sys.request(conn));
            if req.method == "POST" {
                for line in req.body.lines().filter(|l| !l.starts_with("{\"index\"")) {
                    let log = serde_json::from_str::<serde_json::Value>(line)
                        .ok()
                        .and_then(|v| v.get("log").and_then(|l| l.as_str()).map(str::to_string))
                        .unwrap_or_else(|| line.to_string());
                    sys.store_document(log);
                    count += 1;
                }
                sys.respond(
                    conn,
                    response(200, "application/json", "{\"errors\":false}"),
                    "POST /_bulk → 200",
                );
            } else {
                let body = format!("{{\"count\":{count}}}");
                sys.respond(
                    conn,
                    response(200, "application/json", &body),
                    &format!("GET {} → 200", req.path),
                );
            }
        }
    })
}
