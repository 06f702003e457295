//! nginx: a master process and one worker (uid 101) serving
//! `/usr/share/nginx/html` on port 80, logging requests to stdout as the
//! official image does; `nginx -s quit|stop|reload` signals the master.

use podplay_core::time::MonoDuration;

use super::http::{parse_request, response};
use super::{err, out, task};
use crate::kernel::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use crate::kernel::{Sys, Task};

const PID_FILE: &str = "/var/run/nginx.pid";
/// How the master starts a worker (a real nginx forks; the simulator execs
/// the same binary with this flag, then the worker renames itself).
const WORKER_FLAG: &str = "--podplay-worker";
const ROOT: &str = "/usr/share/nginx/html";
pub const VERSION: &str = "nginx/1.27.3";

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(async move {
        if argv.get(1).map(String::as_str) == Some(WORKER_FLAG) {
            return worker(&sys).await;
        }
        let args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
        match args.as_slice() {
            ["-v"] | ["-V"] => {
                err(&sys, &format!("nginx version: {VERSION}\n"));
                0
            }
            ["-t"] => {
                err(
                    &sys,
                    "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n",
                );
                0
            }
            ["-s", signal] => send_signal(&sys, signal),
            _ => master(&sys, &argv).await,
        }
    })
}

fn timestamp(sys: &Sys) -> String {
    sys.now().civil().strftime("%Y/%m/%d %H:%M:%S")
}

fn send_signal(sys: &Sys, name: &str) -> i32 {
    let sig = match name {
        "quit" => SIGQUIT,
        "stop" => SIGTERM,
        "reload" => SIGHUP,
        "reopen" => crate::kernel::SIGUSR1,
        other => {
            err(sys, &format!("nginx: invalid option: \"-s {other}\"\n"));
            return 1;
        }
    };
    let pid = match sys.read_file(PID_FILE) {
        Ok(data) => String::from_utf8_lossy(&data).trim().parse::<u32>().unwrap_or(0),
        Err(e) => {
            err(
                sys,
                &format!(
                    "{} [error] {}#{}: open() \"{PID_FILE}\" failed (2: {})\n",
                    timestamp(sys),
                    sys.getpid(),
                    sys.getpid(),
                    e.text()
                ),
            );
            return 1;
        }
    };
    match sys.kill(pid, sig) {
        Ok(()) => 0,
        Err(_) => {
            err(
                sys,
                &format!("{} [error] {pid}#{pid}: kill({pid}, {sig}) failed (3: No such process)\n", timestamp(sys)),
            );
            1
        }
    }
}

async fn master(sys: &Sys, argv: &[String]) -> i32 {
    let pid = sys.getpid();
    let args = argv.iter().skip(1).cloned().collect::<Vec<_>>().join(" ");
    let title = if args.is_empty() {
        "nginx: master process nginx".to_string()
    } else {
        format!("nginx: master process nginx {args}")
    };
    sys.set_title(&title);
    for sig in [SIGTERM, SIGINT, SIGQUIT, SIGHUP] {
        sys.catch(sig);
    }
    let _ = sys.mkdir("/var/run", true);
    let _ = sys.write_file(PID_FILE, format!("{pid}\n").as_bytes(), false);
    let ts = timestamp(sys);
    err(sys, &format!("{ts} [notice] {pid}#{pid}: using the \"epoll\" event method\n"));
    err(sys, &format!("{ts} [notice] {pid}#{pid}: {VERSION}\n"));
    err(sys, &format!("{ts} [notice] {pid}#{pid}: start worker processes\n"));
    let fds = sys.fds();
    let worker = match sys.spawn(vec!["/usr/sbin/nginx".into(), WORKER_FLAG.into()], fds, sys.env()) {
        Ok(w) => w,
        Err(e) => {
            err(sys, &format!("{ts} [emerg] {pid}#{pid}: fork() failed ({})\n", e.text()));
            return 1;
        }
    };
    let worker_ns_pid = sys.ns_pid_of(worker).unwrap_or(0);
    err(sys, &format!("{ts} [notice] {pid}#{pid}: start worker process {worker_ns_pid}\n"));
    let _ = worker;
    loop {
        if let Some(sig) = sys.take_signal() {
            let ts = timestamp(sys);
            match sig {
                SIGHUP => {
                    err(sys, &format!("{ts} [notice] {pid}#{pid}: signal 1 (SIGHUP) received, reconfiguring\n"));
                    continue;
                }
                SIGQUIT => {
                    err(sys, &format!("{ts} [notice] {pid}#{pid}: signal 3 (SIGQUIT) received, shutting down\n"))
                }
                _ => err(
                    sys,
                    &format!(
                        "{ts} [notice] {pid}#{pid}: signal {sig} (SIG{}) received, exiting\n",
                        crate::kernel::signal_name(sig)
                    ),
                ),
            }
            let _ = sys.kill(worker_ns_pid, sig);
            let _ = sys.wait(worker).await;
            err(sys, &format!("{} [notice] {pid}#{pid}: exit\n", timestamp(sys)));
            let _ = sys.remove(PID_FILE, false);
            return 0;
        }
        if let Some(status) = sys.try_wait(worker) {
            err(
                sys,
                &format!(
                    "{} [alert] {pid}#{pid}: worker process {worker_ns_pid} exited with code {}\n",
                    timestamp(sys),
                    status.code()
                ),
            );
            return 1;
        }
        sys.sleep(MonoDuration::from_secs(3600)).await;
    }
}

async fn worker(sys: &Sys) -> i32 {
    sys.set_uid(101);
    sys.set_title("nginx: worker process");
    for sig in [SIGTERM, SIGINT, SIGQUIT] {
        sys.catch(sig);
    }
    if let Err(e) = sys.listen(80) {
        err(sys, &format!("{} [emerg] bind() to 0.0.0.0:80 failed ({})\n", timestamp(sys), e.text()));
        return 1;
    }
    loop {
        match sys.accept_or_signal().await {
            Err(_) => return 0,
            Ok(conn) => serve(sys, conn),
        }
    }
}

fn serve(sys: &Sys, conn: u64) {
    let req = parse_request(&sys.request(conn));
    let path = req.path.split('?').next().unwrap_or("/").to_string();
    let file = if path.ends_with('/') { format!("{ROOT}{path}index.html") } else { format!("{ROOT}{path}") };
    let (status, body) = match sys.read_file(&file) {
        Ok(data) => (200, String::from_utf8_lossy(&data).into_owned()),
        Err(crate::kernel::Errno::IsDir) => (301, String::new()),
        Err(_) if path.ends_with('/') && sys.stat(&format!("{ROOT}{path}")) == Some(true) => (403, error_page(403)),
        Err(_) => (404, error_page(404)),
    };
    let peer = sys.peer_ip(conn);
    let stamp = sys.now().civil().strftime("%d/%b/%Y:%H:%M:%S +0000");
    out(
        sys,
        &format!(
            "{peer} - - [{stamp}] \"{} {} HTTP/1.1\" {status} {} \"-\" \"Wget\" \"-\"\n",
            req.method,
            req.path,
            body.len()
        ),
    );
    sys.respond(conn, response(status, "text/html", &body), &format!("GET {} → {status}", req.path));
}

fn error_page(status: u16) -> String {
    let reason = super::http::reason(status);
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n"
    )
}

/// The default `index.html` of the official image.
pub const INDEX_HTML: &str = "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href=\"http://nginx.org/\">nginx.org</a>.<br/>
Commercial support is available at
<a href=\"http://nginx.com/\">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
";
