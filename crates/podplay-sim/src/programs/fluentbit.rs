//! Fluent Bit, the log shipper: tails files and forwards each new line to
//! Elasticsearch (`-o es`) or prints it (`-o stdout`).
//!
//! Command line as the real one: `fluent-bit -i tail -p path=/var/log/app.log
//! -o es -p host=elasticsearch.logging.svc -p port=9200`.

use podplay_core::time::SimDuration;

use super::http::request;
use super::{out, task};
use crate::kernel::exec::{Sys, Task};
use crate::kernel::{SIGINT, SIGTERM};

struct Config {
    paths: Vec<String>,
    output: String,
    host: String,
    port: u16,
}

fn parse(argv: &[String]) -> Config {
    let mut config = Config {
        paths: Vec::new(),
        output: "stdout".into(),
        host: "127.0.0.1".into(),
        port: 9200,
    };
    let mut section = "";
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "-i" => section = "input",
            "-o" => {
                section = "output";
                if let Some(o) = argv.get(i + 1) {
                    config.output = o.clone();
                }
            }
            "-p" => {
                if let Some((k, v)) = argv.get(i + 1).and_then(|p| p.split_once('=')) {
                    match (section, k) {
                        ("input", "path") => config.paths.push(v.to_string()),
                        ("output", "host") => config.host = v.to_string(),
                        ("output", "port") => config.port = v.parse().unwrap_or(9200),
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
    config
}

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(async move {
        let config = parse(&argv);
        sys.catch(SIGTERM);
        sys.catch(SIGINT);
        out(
            &sys,
            "Fluent Bit v3.2.2\n* Copyright (C) 2015-2024 The Fluent Bit Authors\n\n",
        );
        for p in &config.paths {
            out(&sys, &format!("[info] [input:tail:tail.0] following {p}\n"));
        }
        out(
            &sys,
            &format!(
                "[info] [output:{}:{}.0] worker #0 started\n",
                config.output, config.output
            ),
        );
        let mut offsets = vec![0usize; config.paths.len()];
        loop {
            for (i, path) in config.paths.iter().enumerate() {
                let Ok(data) = sys.read_file(path) else {
                    continue;
                };
                if data.len() < offsets[i] {
                    offsets[i] = 0; // truncated or rotated
                }
                let new = String::from_utf8_lossy(&data[offsets[i]..]).into_owned();
                let complete = new.rfind('\n').map_or(0, |n| n + 1);
                offsets[i] += complete;
                for line in new[..complete].lines() {
                    ship(&sys, &config, line).await;
                }
            }
            if !sys.sleep(SimDuration::from_secs(1)).await {
                out(&sys, "[engine] caught signal (SIGTERM)\n");
                return 0;
            }
        }
    })
}

async fn ship(sys: &Sys, config: &Config, line: &str) {
    if config.output != "es" {
        out(
            sys,
            &format!(
                "[0] tail.0: [{}.000000000, {{\"log\"=>\"{line}\"}}]\n",
                sys.now().to_k8s().0.as_second()
            ),
        );
        return;
    }
    let doc = format!(
        "{{\"index\":{{}}}}\n{{\"log\":{}}}\n",
        serde_json::Value::String(line.to_string())
    );
    match sys.connect(
        &config.host,
        config.port,
        request("POST", &config.host, "/_bulk", &doc),
    ) {
        Ok(conn) => {
            let _ = sys.response(conn).await;
        }
        Err(e) => out(
            sys,
            &format!(
                "[error] [output:es:es.0] HTTP status=0 URI=/_bulk: {}\n",
                e.text()
            ),
        ),
    }
}
