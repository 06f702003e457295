//! Fluent Bit, the log shipper: tails files and forwards each new line to
//! Elasticsearch (`-o es`) and/or prints it (`-o stdout`).
//!
//! Command line as the real one: `fluent-bit -i tail -p path=/var/log/app.log
//! -o stdout -o es -p host=elasticsearch.logging.svc -p port=9200`; each `-p`
//! belongs to the `-i` or `-o` before it.

use podplay_core::time::MonoDuration;

use super::http::request;
use super::{out, task};
use crate::kernel::{SIGINT, SIGTERM};
use crate::kernel::{Sys, Task};

struct Output {
    kind: String,
    host: String,
    port: u16,
}

struct Config {
    paths: Vec<String>,
    outputs: Vec<Output>,
}

fn parse(argv: &[String]) -> Config {
    let mut config = Config { paths: Vec::new(), outputs: Vec::new() };
    let mut in_output = false;
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "-i" => in_output = false,
            "-o" => {
                in_output = true;
                let kind = argv.get(i + 1).cloned().unwrap_or_else(|| "stdout".into());
                config.outputs.push(Output { kind, host: "127.0.0.1".into(), port: 9200 });
            }
            "-p" => {
                if let Some((k, v)) = argv.get(i + 1).and_then(|p| p.split_once('=')) {
                    match (in_output, k, config.outputs.last_mut()) {
                        (false, "path", _) => config.paths.push(v.to_string()),
                        (true, "host", Some(o)) => o.host = v.to_string(),
                        (true, "port", Some(o)) => o.port = v.parse().unwrap_or(9200),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if config.paths.is_empty() {
        config.paths.push("/var/log/app.log".into());
    }
    if config.outputs.is_empty() {
        config.outputs.push(Output { kind: "stdout".into(), host: String::new(), port: 0 });
    }
    config
}

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(async move {
        let config = parse(&argv);
        sys.catch(SIGTERM);
        sys.catch(SIGINT);
        out(&sys, "Fluent Bit v3.2.2\n* Copyright (C) 2015-2024 The Fluent Bit Authors\n\n");
        for p in &config.paths {
            out(&sys, &format!("[info] [input:tail:tail.0] following {p}\n"));
        }
        for o in &config.outputs {
            out(&sys, &format!("[info] [output:{0}:{0}.0] worker #0 started\n", o.kind));
        }
        let mut offsets = vec![0usize; config.paths.len()];
        loop {
            for (i, path) in config.paths.iter().enumerate() {
                let Ok(data) = sys.read_file(path) else {
                    continue;
                };
                if data.len() < offsets[i] {
                    offsets[i] = 0; // truncated or rotated
                }
                // Complete lines only, counted in bytes of the file (a
                // lossy decoding of invalid UTF-8 has other lengths).
                let unread = &data[offsets[i]..];
                let complete = unread.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1);
                offsets[i] += complete;
                let new = String::from_utf8_lossy(&unread[..complete]).into_owned();
                for line in new.lines() {
                    ship(&sys, &config, line).await;
                }
            }
            if !sys.sleep(MonoDuration::from_secs(1)).await {
                out(&sys, "[engine] caught signal (SIGTERM)\n");
                return 0;
            }
        }
    })
}

async fn ship(sys: &Sys, config: &Config, line: &str) {
    for o in &config.outputs {
        if o.kind != "es" {
            let at = sys.now().to_unix_seconds();
            out(sys, &format!("[0] tail.0: [{at}.000000000, {{\"log\"=>\"{line}\"}}]\n"));
            continue;
        }
        let doc = format!("{{\"index\":{{}}}}\n{{\"log\":{}}}\n", podplay_core::json::quote(line));
        match sys.connect(&o.host, o.port, request("POST", &o.host, "/_bulk", &doc)) {
            Ok(conn) => {
                let _ = sys.response(conn).await;
            }
            Err(e) => out(sys, &format!("[error] [output:es:es.0] HTTP status=0 URI=/_bulk: {}\n", e.text())),
        }
    }
}
