//! Apache Tomcat: deploys the WARs in `<home>/webapps` (checking for new ones
//! every 10 s, like `autoDeploy`) and serves them on port 8080.
//!
//! A WAR in the simulator is a text file: `PODPLAY-WAR` on the first line,
//! then the application's `index.html`.

use litemap::LiteMap;

use podplay_core::time::MonoDuration;

use super::http::{parse_request, response};
use super::{out, task};
use crate::kernel::{SIGINT, SIGTERM};
use crate::kernel::{Sys, Task};

pub const WAR_MAGIC: &str = "PODPLAY-WAR\n";

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(async move {
        let script = argv
            .iter()
            .find(|a| a.ends_with(".sh"))
            .cloned()
            .unwrap_or_else(|| "/usr/local/tomcat/bin/catalina.sh".into());
        let home = parent(&parent(&script));
        let version = if home.contains("7.0.42") { "7.0.42" } else { "10.1.34" };
        run(&sys, &home, version).await
    })
}

fn parent(path: &str) -> String {
    crate::kernel::fs::parent(path)
}

fn log(sys: &Sys, text: &str) {
    let stamp = sys.now().civil().strftime("%d-%b-%Y %H:%M:%S%.3f");
    out(sys, &format!("{stamp} INFO [main] {text}\n"));
}

async fn run(sys: &Sys, home: &str, version: &str) -> i32 {
    sys.set_title(&format!(
        "/usr/bin/java -Dcatalina.base={home} -Dcatalina.home={home} org.apache.catalina.startup.Bootstrap start"
    ));
    sys.catch(SIGTERM);
    sys.catch(SIGINT);
    log(sys, "org.apache.catalina.core.StandardService.startInternal Starting service [Catalina]");
    log(
        sys,
        &format!(
            "org.apache.catalina.core.StandardEngine.startInternal Starting Servlet Engine: Apache Tomcat/{version}"
        ),
    );
    // The JVM takes a moment to start.
    if !sys.sleep(MonoDuration::from_millis(1500)).await {
        return 143;
    }
    let mut apps: LiteMap<String, String> = LiteMap::new();
    deploy_new(sys, home, &mut apps);
    if let Err(e) = sys.listen(8080) {
        log(
            sys,
            &format!(
                "SEVERE Failed to initialize end point associated with ProtocolHandler [\"http-bio-8080\"]: {}",
                e.text()
            ),
        );
        return 1;
    }
    log(sys, "org.apache.coyote.AbstractProtocol.start Starting ProtocolHandler [\"http-bio-8080\"]");
    log(sys, "org.apache.catalina.startup.Catalina.start Server startup in [1500] milliseconds");
    let mut next_scan = sys.now() + MonoDuration::from_secs(10);
    loop {
        // Serve what is waiting, then wait for a request, a signal or the next scan.
        let until = next_scan;
        let waited = wait_request(sys, until).await;
        match waited {
            Wake::Signal => {
                log(sys, "org.apache.coyote.AbstractProtocol.pause Pausing ProtocolHandler [\"http-bio-8080\"]");
                log(sys, "org.apache.catalina.core.StandardService.stopInternal Stopping service [Catalina]");
                return 143;
            }
            Wake::Conn(conn) => serve(sys, conn, &apps),
            Wake::Timer => {
                deploy_new(sys, home, &mut apps);
                next_scan = sys.now() + MonoDuration::from_secs(10);
            }
        }
    }
}

enum Wake {
    Conn(u64),
    Signal,
    Timer,
}

async fn wait_request(sys: &Sys, until: podplay_core::time::MonoTime) -> Wake {
    // Sleep in the background of accept: a short-lived sleep registers the
    // wake-up; accept_or_signal answers connections and signals.
    let mut accept = std::pin::pin!(sys.accept_or_signal());
    let mut sleep = std::pin::pin!(sys.sleep(MonoDuration(until.since(sys.now()).millis().max(1))));
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(r) = accept.as_mut().poll(cx) {
            return std::task::Poll::Ready(match r {
                Ok(c) => Wake::Conn(c),
                Err(_) => Wake::Signal,
            });
        }
        if sleep.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(Wake::Timer);
        }
        std::task::Poll::Pending
    })
    .await
}

fn deploy_new(sys: &Sys, home: &str, apps: &mut LiteMap<String, String>) {
    let webapps = format!("{home}/webapps");
    for name in sys.list_dir(&webapps).unwrap_or_default() {
        let Some(app) = name.strip_suffix(".war") else {
            continue;
        };
        if apps.contains_key(app) {
            continue;
        }
        let path = format!("{webapps}/{name}");
        let Ok(data) = sys.read_file(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&data);
        let index = text.strip_prefix(WAR_MAGIC).unwrap_or("<html><body>(not a podplay WAR)</body></html>").to_string();
        log(
            sys,
            &format!("org.apache.catalina.startup.HostConfig.deployWAR Deploying web application archive [{path}]"),
        );
        // Tomcat expands the archive next to it.
        let _ = sys.mkdir(&format!("{webapps}/{app}"), true);
        let _ = sys.write_file(&format!("{webapps}/{app}/index.html"), index.as_bytes(), false);
        log(
            sys,
            &format!(
                "org.apache.catalina.startup.HostConfig.deployWAR Deployment of web application archive [{path}] has finished"
            ),
        );
        apps.insert(app.to_string(), index);
    }
}

fn serve(sys: &Sys, conn: u64, apps: &LiteMap<String, String>) {
    let req = parse_request(&sys.request(conn));
    let app = req.path.trim_start_matches('/').split('/').next().unwrap_or("").to_string();
    let key = if app.is_empty() { "ROOT".to_string() } else { app };
    let (status, body) = match apps.get(&key) {
        Some(index) => (200, index.clone()),
        None => (
            404,
            format!(
                "<html><head><title>Apache Tomcat - Error report</title></head><body><h1>HTTP Status 404 - {}</h1></body></html>",
                req.path
            ),
        ),
    };
    sys.respond(conn, response(status, "text/html;charset=UTF-8", &body), &format!("GET {} → {status}", req.path));
}
