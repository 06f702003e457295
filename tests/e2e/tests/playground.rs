//! The built playground (`dist/`, from `cargo xtask dist`) in headless
//! Chromium through chromedriver: every example, a mistake, a reload, a
//! shared link; screenshots under `target/screenshots/`, timings in
//! `target/bench-web.json`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

fn root() -> PathBuf {
    // Canonical: Chrome and chromedriver must agree on the profile's path.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Serves `dir` on 127.0.0.1 (GET only), as GitHub Pages would.
fn serve(dir: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || answer(stream, &dir));
        }
    });
    port
}

fn answer(mut stream: TcpStream, dir: &Path) {
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).unwrap_or(0);
    let request = String::from_utf8_lossy(&buf[..n]);
    let path = request.split_whitespace().nth(1).unwrap_or("/").split(['?', '#']).next().unwrap_or("/").to_string();
    let file = if path == "/" { dir.join("index.html") } else { dir.join(path.trim_start_matches('/')) };
    let (status, body) = match std::fs::read(&file) {
        Ok(b) => ("200 OK", b),
        Err(_) => ("404 Not Found", b"not found".to_vec()),
    };
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

fn start_chromedriver() -> (Driver, u16) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let log = root().join("target/tmp/chromedriver.log");
    let _ = std::fs::create_dir_all(root().join("target/tmp"));
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (cargo xtask test installs it)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Driver(child), port)
}

async fn browser(driver_port: u16) -> Client {
    let profile = root().join(format!("target/tmp/e2e-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--window-size=1400,1600", format!("--user-data-dir={}", profile.display())
        ]}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session")
}

async fn text(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn wait_for(c: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = text(c, css).await;
        if t.contains(needle) || Instant::now() > deadline {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let dir = root().join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap_or(serde_json::Value::Null)
}

/// Picks an option of a `<select>` by its aria-label, and waits while an
/// example it needs is being fetched.
async fn choose(c: &Client, label: &str, value: impl std::fmt::Display) {
    js(c, &format!("const s = document.querySelector('select[aria-label={label}]'); s.value = '{value}'; s.dispatchEvent(new Event('change'));")).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while js(c, "return document.querySelector('.app[data-loading]') !== null").await == serde_json::Value::Bool(true)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn to_the_end(c: &Client) {
    js(c, "const r = document.querySelector('.timeline input[type=range]'); if (r) { r.value = r.max; r.dispatchEvent(new Event('input')); }").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn run_in_terminal(c: &Client, container: &str, command: &str) -> String {
    choose(c, "Container", container).await;
    let input = c.find(Locator::Css(".terminal input[type=text]")).await.unwrap();
    input.send_keys(command).await.unwrap();
    c.find(Locator::Css(".terminal button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(c, ".terminal .screen", command).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_playground_end_to_end() {
    let dist = root().join("dist");
    assert!(dist.join("index.html").exists(), "build the site first: cargo xtask dist");
    let site = serve(dist.clone());
    let (_driver, driver_port) = start_chromedriver();
    let c = browser(driver_port).await;
    let url = format!("http://127.0.0.1:{site}/");

    let (interactive_ms, first_load) = first_load(&c, &url).await;
    a_lesson_on_the_pod_in_the_editor_runs_commands(&c).await;
    field_docs_on_first_show(&c).await;
    let largest = every_example_simulates(&c).await;
    share_process_namespace(&c).await;
    host_aliases(&c).await;
    war_before_tomcat(&c).await;
    missing_image(&c).await;
    deletion_is_drawn_to_the_end(&c).await;
    a_failing_post_start_is_never_drawn_running(&c).await;
    every_data_flow_is_drawn(&c).await;
    unschedulable(&c).await;
    a_mistake_at_its_line(&c).await;
    let keystrokes = keystroke_timings(&c, largest.1).await;
    let p95 = keystrokes.get(keystrokes.len() * 95 / 100).copied().unwrap_or(f64::NAN);
    nothing_the_learner_wrote_is_lost(&c).await;
    language_lesson_and_progress_survive_a_reload(&c).await;
    let after = the_text_survives_a_reload(&c).await;
    a_shared_link_opens_the_same_pod(&c, &after).await;

    let transfer = js(&c, "return performance.getEntriesByType('resource').reduce((s, e) => s + (e.encodedBodySize || 0), 0) + performance.getEntriesByType('navigation').reduce((s, e) => s + (e.encodedBodySize || 0), 0)").await;
    let report = serde_json::json!({
        "first_load_to_interactive_ms": interactive_ms,
        "keystroke_to_update_p95_ms": p95,
        "keystroke_samples": keystrokes.len(),
        "keystroke_example_chars": largest.0,
        "transfer_bytes_uncompressed": transfer,
        "first_load_files": first_load,
    });
    let _ = std::fs::write(root().join("target/bench-web.json"), serde_json::to_string_pretty(&report).unwrap());
    c.close().await.unwrap();
}

/// First load: time until the page shows a simulated Pod (milliseconds),
/// and what it fetched (the page and its resources, by file name): the
/// wasm, but not the field docs.
async fn first_load(c: &Client, url: &str) -> (f64, Vec<String>) {
    c.goto(url).await.unwrap();
    let status = wait_for(c, ".status", "STATUS").await;
    // A first visit opens on the welcome and the Pod's first instant.
    assert!(status.starts_with("STATUS ContainerCreating"), "{status}");
    let welcome = text(c, ".welcome").await;
    assert!(welcome.contains("Start with lesson 1") && welcome.contains("Press Play"), "{welcome}");
    let interactive_ms = js(c, "return performance.now()").await.as_f64().unwrap_or(f64::NAN);
    let first_load = js(
        c,
        "return ['index.html'].concat(performance.getEntriesByType('resource').map(e => new URL(e.name).pathname.split('/').pop()))",
    )
    .await;
    let first_load: Vec<String> = first_load
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    assert!(first_load.iter().any(|f| f.ends_with(".wasm")), "{first_load:?}");
    assert!(
        !first_load.iter().any(|f| f == "k8s-docs.json"),
        "the field docs wait until they are shown: {first_load:?}"
    );
    screenshot(c, "e2e-first-load").await;
    (interactive_ms, first_load)
}

/// The field docs are fetched when first shown: the cursor on `image`.
async fn field_docs_on_first_show(c: &Client) {
    js(
        c,
        "const t = document.querySelector('textarea'); const at = t.value.indexOf('image:') + 2;
         t.focus(); t.setSelectionRange(at, at); t.dispatchEvent(new KeyboardEvent('keyup'));",
    )
    .await;
    let docs = wait_for(c, ".docs", "Container image name.").await;
    assert!(docs.contains("podplay explain pod.spec.containers.image"), "{docs}");
    screenshot(c, "e2e-field-docs").await;
}

/// Every example simulates. Returns the largest example's length and index.
/// On a first visit the lesson on the Pod already in the editor keeps its
/// simulation; its terminal must still have a container (it had none, and
/// every command was swallowed: the first finding).
async fn a_lesson_on_the_pod_in_the_editor_runs_commands(c: &Client) {
    choose(c, "Lessons", 1).await;
    let input = c.find(Locator::Css(".terminal input[type=text]")).await.unwrap();
    input.send_keys("ls /").await.unwrap();
    c.find(Locator::Css(".terminal button[type=submit]")).await.unwrap().click().await.unwrap();
    let screen = wait_for(c, ".terminal .screen", "ls /").await;
    assert!(screen.contains("nginx-container$ ls /") && screen.contains("usr"), "{screen}");
}

async fn every_example_simulates(c: &Client) -> (u64, usize) {
    let examples = js(c, "return document.querySelectorAll('select[aria-label=Examples] option').length - 1")
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(examples >= 13, "{examples} examples");
    let mut largest = (0, 0);
    for i in 0..examples as usize {
        choose(c, "Examples", i).await;
        to_the_end(c).await;
        let status = text(c, ".status").await;
        assert!(status.starts_with("STATUS "), "example {i}: {status}");
        let len = js(c, "return document.querySelector('textarea').value.length").await.as_u64().unwrap_or(0);
        largest = largest.max((len, i));
    }
    largest
}

/// shareProcessNamespace: ps in the shell shows /pause as PID 1.
async fn share_process_namespace(c: &Client) {
    choose(c, "Examples", 7).await;
    to_the_end(c).await;
    let screen = run_in_terminal(c, "shell", "ps ax").await;
    assert!(screen.contains("1 65535 0:00 /pause") || screen.contains("    1 65535     0:00 /pause"), "{screen}");
    screenshot(c, "e2e-share-process-namespace").await;
}

/// hostAliases: the hosts file as the kubelet writes it.
async fn host_aliases(c: &Client) {
    choose(c, "Examples", 6).await;
    to_the_end(c).await;
    let logs = text(c, ".inside").await;
    assert!(logs.contains("# Entries added by HostAliases."), "{logs}");
    assert!(logs.contains("10.1.2.3") && logs.contains("foo.remote") && logs.contains("bar.remote"), "{logs}");
}

/// WAR + Tomcat: the init container finishes before Tomcat starts.
async fn war_before_tomcat(c: &Client) {
    choose(c, "Examples", 1).await;
    to_the_end(c).await;
    let story = text(c, ".story").await;
    let war = story.find("container war exited with code 0").expect(&story);
    let tomcat = story.find("started tomcat").expect(&story);
    assert!(war < tomcat);
    screenshot(c, "e2e-war-tomcat").await;
}

/// Break things: a missing image gives ErrImagePull, shown in the editor
/// and in describe's events.
async fn missing_image(c: &Client) {
    choose(c, "Examples", 0).await;
    c.find(Locator::Css("button[title^='Change the first container']")).await.unwrap().click().await.unwrap();
    to_the_end(c).await;
    let events = wait_for(c, ".panels", "ErrImagePull").await;
    assert!(events.contains("Failed to pull image \"nginx:does-not-exist\""), "{events}");
    let yaml = js(c, "return document.querySelector('textarea').value").await;
    assert!(yaml.as_str().unwrap_or("").contains("image: nginx:does-not-exist"), "{yaml}");
    screenshot(c, "e2e-missing-image").await;
}

/// Moves the timeline to instant `i`.
async fn seek(c: &Client, i: u64) {
    js(c, &format!("const r = document.querySelector('.timeline input[type=range]'); r.value = {i}; r.dispatchEvent(new Event('input'));")).await;
    tokio::time::sleep(Duration::from_millis(60)).await;
}

async fn last_instant(c: &Client) -> u64 {
    js(c, "return +document.querySelector('.timeline input[type=range]').max").await.as_u64().unwrap_or(0)
}

/// What the picture says (its description for screen readers, which has
/// every box's text), at each instant of the run.
async fn pictures(c: &Client) -> Vec<String> {
    // Paused, so that no play tick moves the instant between seek and read.
    js(c, "const b = Array.from(document.querySelectorAll('.timeline button')).find(b => b.textContent.includes('Pause')); if (b) b.click();").await;
    let mut all = Vec::new();
    for i in 0..=last_instant(c).await {
        seek(c, i).await;
        all.push(
            js(c, "return document.querySelector('figure.picture svg').getAttribute('aria-label')")
                .await
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
    }
    all
}

/// Deletion: Terminating with the grace period counting down and the
/// stop's SIGKILL deadline, then the Pod gone (kubectl's NotFound); a
/// second delete and kills have nothing to act on (issue #11, finding 4).
async fn deletion_is_drawn_to_the_end(c: &Client) {
    choose(c, "Examples", 0).await;
    to_the_end(c).await;
    c.find(Locator::Css(".break button")).await.unwrap().click().await.unwrap();
    let seen = pictures(c).await;
    assert!(seen.iter().any(|p| p.contains("Terminating: 30 s of grace left")), "{seen:#?}");
    assert!(seen.iter().any(|p| p.contains("Terminating: 29 s of grace left")), "{seen:#?}");
    assert!(
        seen.iter().any(|p| p.contains("debian-container (main): Running, ready, stopping: SIGKILL in 30 s")),
        "{seen:#?}"
    );
    assert!(seen.last().unwrap().contains("deleted (kubectl get pod: NotFound)"), "{seen:#?}");
    let status = text(c, ".status").await;
    assert_eq!(status, "Error from server (NotFound): pods \"two-containers\" not found");
    let enabled = js(c, "return Array.from(document.querySelectorAll('.break button')).filter(b => b.textContent.startsWith('kill') || b.textContent.startsWith('kubectl')).filter(b => !b.disabled).length").await;
    assert_eq!(enabled, serde_json::json!(0), "nothing is left to delete or kill");
    screenshot(c, "e2e-deleted").await;
}

/// A failing postStart: the container is never drawn Running, and its box
/// names the kubelet's FailedPostStartHook (issue #11, finding 3).
async fn a_failing_post_start_is_never_drawn_running(c: &Client) {
    choose(c, "Examples", 0).await;
    c.find(Locator::Css("button[title^='Give the first container a postStart hook']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let seen = pictures(c).await;
    assert!(seen.iter().all(|p| !p.contains("nginx-container (main): Running")), "{seen:#?}");
    assert!(
        seen.iter().any(|p| p.contains("nginx-container (main): Completed (exit 0), not ready, FailedPostStartHook")),
        "{seen:#?}"
    );
}

/// Data flows: the logging sidecar reads the app's file from the volume and
/// ships it to the store outside the Pod, drawn with both ends and labels;
/// a learner's `curl` in nginx is drawn with nginx's read of the page
/// (issue #11, finding 2).
async fn every_data_flow_is_drawn(c: &Client) {
    choose(c, "Examples", 2).await;
    let mut found = false;
    for i in 0..=last_instant(c).await {
        seek(c, i).await;
        let labels =
            js(c, "return Array.from(document.querySelectorAll('.flow-label')).map(t => t.textContent).join(' | ')")
                .await;
        let labels = labels.as_str().unwrap_or("");
        if labels.contains("POST /_bulk") {
            assert!(labels.contains("/var/log/app.log"), "{labels}");
            let outside = text(c, ".picture .outside").await;
            assert!(outside.contains("elasticsearch") && outside.contains("outside the Pod"), "{outside}");
            let caption = text(c, "figcaption").await;
            assert!(
                caption.contains("volume varlog → log-shipper") && caption.contains("log-shipper → elasticsearch"),
                "{caption}"
            );
            found = true;
            screenshot(c, "e2e-logging-sidecar-flow").await;
            break;
        }
    }
    assert!(found, "the shipping to elasticsearch is drawn");
    choose(c, "Examples", 0).await;
    to_the_end(c).await;
    run_in_terminal(c, "nginx-container", "curl -s localhost").await;
    let labels =
        js(c, "return Array.from(document.querySelectorAll('.flow-label')).map(t => t.textContent).join(' | ')").await;
    assert!(labels.as_str().unwrap_or("").contains("/usr/share/nginx/html/index.html"), "{labels}");
    screenshot(c, "e2e-curl-flow").await;
}

/// Unschedulable: the nodeSelector lesson starts with no matching node.
async fn unschedulable(c: &Client) {
    choose(c, "Lessons", 5).await;
    to_the_end(c).await;
    let describe = wait_for(c, ".panel", "FailedScheduling").await;
    let panels =
        js(c, "return Array.from(document.querySelectorAll('.panel pre')).map(p => p.textContent).join('\\n')").await;
    assert!(panels.as_str().unwrap_or("").contains("didn't match Pod's node affinity/selector"), "{describe}");
}

/// A mistake shows at its line.
async fn a_mistake_at_its_line(c: &Client) {
    let mistake =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    imagee: nginx\n";
    js(
        c,
        &format!(
            "const t = document.querySelector('textarea'); t.value = {}; t.dispatchEvent(new InputEvent('input'));",
            serde_json::to_string(mistake).unwrap()
        ),
    )
    .await;
    let problems = wait_for(c, ".diagnostics", "8:5").await;
    assert!(problems.contains("strict decoding error: unknown field \"spec.containers[0].imagee\""), "{problems}");
    screenshot(c, "e2e-mistake").await;
}

/// Keystroke → diagnostics and picture, 40 times on the example `index`
/// (the largest), in milliseconds, sorted. Each keystroke renames the Pod,
/// so it is re-analyzed and simulated again (a comment would reuse the run).
async fn keystroke_timings(c: &Client, index: usize) -> Vec<f64> {
    choose(c, "Examples", index).await;
    let timings = js(
        c,
        "const t = document.querySelector('textarea'); const base = t.value; const out = [];
         if (!/^  name: [a-z0-9-]+$/m.test(base)) return [];
         for (let i = 0; i < 40; i++) {
           const start = performance.now();
           t.value = base.replace(/^  name: ([a-z0-9-]+)$/m, (_, n) => '  name: ' + n + 'x'.repeat(i + 1));
           t.dispatchEvent(new InputEvent('input'));
           out.push(performance.now() - start);
         }
         t.value = base; t.dispatchEvent(new InputEvent('input'));
         return out;",
    )
    .await;
    let mut keystrokes: Vec<f64> =
        timings.as_array().map(|a| a.iter().filter_map(|v| v.as_f64()).collect()).unwrap_or_default();
    assert_eq!(keystrokes.len(), 40, "the largest example has a metadata.name to rename");
    keystrokes.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    keystrokes
}

/// A lesson, an example or a break replaces the learner's Pod; "Restore my
/// Pod" and Ctrl+Z (in the editor, and on the page) bring it back (issue
/// #11, finding 8).
async fn nothing_the_learner_wrote_is_lost(c: &Client) {
    let textarea = "document.querySelector('textarea')";
    let value = format!("return {textarea}.value");
    choose(c, "Examples", 0).await;
    js(
        c,
        &format!(
            "const t = {textarea}; t.value = t.value + '# my own notes\n'; t.dispatchEvent(new InputEvent('input'));"
        ),
    )
    .await;
    let mine = js(c, &value).await;
    choose(c, "Lessons", 3).await;
    assert_ne!(js(c, &value).await, mine);
    c.find(Locator::Css("button.restore")).await.unwrap().click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(js(c, &value).await, mine, "the button restores the text");
    choose(c, "Examples", 1).await;
    let area = c.find(Locator::Css("textarea")).await.unwrap();
    area.send_keys("\u{E009}z").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(js(c, &value).await, mine, "Ctrl+Z in the editor restores the text");
    to_the_end(c).await;
    c.find(Locator::Css(".break button")).await.unwrap().click().await.unwrap();
    to_the_end(c).await;
    assert!(text(c, ".status").await.contains("NotFound"));
    c.find(Locator::Css("h1")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("body")).await.unwrap().send_keys("\u{E009}z").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let status = text(c, ".status").await;
    assert!(status.starts_with("STATUS Running"), "Ctrl+Z on the page undoes the deletion: {status}");
}

/// Language, lesson and progress survive a reload, and the page's `lang`
/// follows the language (Chinese glyphs, not Japanese ones); the share
/// link carries the lesson and the language and says where it went
/// (issue #11, findings 7, 8 and 10).
async fn language_lesson_and_progress_survive_a_reload(c: &Client) {
    let page = std::fs::read_to_string(root().join("dist/index.html")).unwrap();
    assert!(page.contains("loading the playground…") && page.contains("<title>podplay"), "{page}");
    choose(c, "Lessons", 0).await;
    to_the_end(c).await;
    run_in_terminal(c, "shell", "ps ax").await;
    wait_for(c, ".lesson .task-state", "Done").await;
    c.find(Locator::Css("button[aria-label='Language / 语言']")).await.unwrap().click().await.unwrap();
    assert_eq!(js(c, "return document.documentElement.lang").await, serde_json::json!("zh-CN"));
    c.refresh().await.unwrap();
    wait_for(c, ".status", "STATUS").await;
    assert_eq!(js(c, "return document.documentElement.lang").await, serde_json::json!("zh-CN"));
    let lesson = js(
        c,
        "const s = document.querySelector('select[aria-label=Lessons]'); return s.options[s.selectedIndex].textContent",
    )
    .await;
    assert!(lesson.as_str().unwrap_or("").ends_with(" ✔"), "{lesson}");
    assert!(text(c, ".lesson h2").await.starts_with("1. Pod 是逻辑概念"));
    c.find(Locator::Css("button[title^='把指向这个 Pod']")).await.unwrap().click().await.unwrap();
    let said = wait_for(c, ".shared", "链接").await;
    assert!(said == "链接已复制" || said == "链接已在地址栏中", "{said}");
    let url = c.current_url().await.unwrap().to_string();
    assert!(url.contains("#lesson=0&lang=zh-CN&yaml="), "{url}");
    // Back to English and a plain address, for the steps that follow.
    js(c, "history.replaceState(null, '', location.pathname)").await;
    c.find(Locator::Css("button[aria-label='Language / 语言']")).await.unwrap().click().await.unwrap();
    assert_eq!(js(c, "return document.documentElement.lang").await, serde_json::json!("en"));
}

/// The text survives a reload. Returns the text.
async fn the_text_survives_a_reload(c: &Client) -> serde_json::Value {
    let before = js(c, "return document.querySelector('textarea').value").await;
    c.refresh().await.unwrap();
    wait_for(c, ".status", "STATUS").await;
    let after = js(c, "return document.querySelector('textarea').value").await;
    assert_eq!(before, after);
    after
}

/// A shared link opens the same Pod (`text`), even with nothing saved.
async fn a_shared_link_opens_the_same_pod(c: &Client, text: &serde_json::Value) {
    c.find(Locator::Css("button[title^='Put a link to this Pod']")).await.unwrap().click().await.unwrap();
    let shared = c.current_url().await.unwrap().to_string();
    assert!(shared.contains("&yaml="), "{shared}");
    js(c, "localStorage.clear()").await;
    c.goto("about:blank").await.unwrap();
    c.goto(&shared).await.unwrap();
    wait_for(c, ".status", "STATUS").await;
    assert_eq!(&js(c, "return document.querySelector('textarea').value").await, text);
}
