//! The world outside the cluster: the log store (shown as Elasticsearch),
//! which stores every document posted to `/_bulk` and answers `/_count`,
//! and a small web server for the sites the Kubernetes docs fetch
//! (`info.cern.ch`, `example.com`).

use super::http::{parse_request, response};
use super::task;
use crate::kernel::{Sys, Task};

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
                    let log = podplay_core::json::parse(line)
                        .ok()
                        .and_then(|v| v.get("log").and_then(|l| l.as_str()).map(str::to_string))
                        .unwrap_or_else(|| line.to_string());
                    sys.store_document(log);
                    count += 1;
                }
                sys.respond(conn, response(200, "application/json", "{\"errors\":false}"), "POST /_bulk → 200");
            } else {
                let body = format!("{{\"count\":{count}}}");
                sys.respond(conn, response(200, "application/json", &body), &format!("GET {} → 200", req.path));
            }
        }
    })
}

/// A web server outside the cluster: a page per host name.
pub fn web(sys: Sys, _argv: Vec<String>) -> Task {
    task(async move {
        if sys.listen(80).is_err() {
            return 1;
        }
        loop {
            let Ok(conn) = sys.accept_or_signal().await else {
                return 0;
            };
            let req = parse_request(&sys.request(conn));
            let host = req.host.split(':').next().unwrap_or("").to_string();
            let body = match host.as_str() {
                "info.cern.ch" => "<html><head></head><body><header>\n<title>http://info.cern.ch</title>\n</header>\n\n<h1>http://info.cern.ch - home of the first website</h1>\n<p>From here you can:</p>\n<ul>\n<li><a href=\"http://info.cern.ch/hypertext/WWW/TheProject.html\">Browse the first website</a></li>\n</ul>\n</body></html>\n".to_string(),
                other => format!("<!doctype html>\n<html>\n<head><title>{other}</title></head>\n<body><h1>{other}</h1><p>A page from outside the cluster, served by podplay's stand-in for the internet.</p></body>\n</html>\n"),
            };
            sys.respond(conn, response(200, "text/html", &body), &format!("GET {}{} → 200", host, req.path));
        }
    })
}
