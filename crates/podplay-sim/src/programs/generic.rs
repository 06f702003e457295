//! The stand-in for an image the catalog does not know: a long-running
//! process that listens on the container's declared ports (given in
//! `PODPLAY_PORTS`) and answers HTTP with a short note. It says so plainly.

use podplay_core::time::MonoDuration;

use super::http::response;
use super::{out, task};
use crate::kernel::{Sys, Task};

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(async move {
        let image = sys.getenv("PODPLAY_IMAGE").unwrap_or_else(|| "unknown".into());
        let ports: Vec<u16> =
            sys.getenv("PODPLAY_PORTS").unwrap_or_default().split(',').filter_map(|p| p.parse().ok()).collect();
        out(
            &sys,
            &format!(
                "podplay: image {image} is not in podplay's catalog; running a generic long-running process ({}) that listens on {}\n",
                argv.join(" "),
                if ports.is_empty() {
                    "no ports".to_string()
                } else {
                    ports.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
                }
            ),
        );
        for p in &ports {
            let _ = sys.listen(*p);
        }
        loop {
            if ports.is_empty() {
                sys.sleep(MonoDuration::from_secs(86_400)).await;
                continue;
            }
            let conn = sys.accept().await;
            let body = format!("podplay generic server for {image}\n");
            sys.respond(conn, response(200, "text/plain", &body), "generic → 200");
        }
    })
}
