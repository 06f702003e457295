//! The built playground (`dist/`, from `cargo xtask dist`) in headless
//! Chromium through chromedriver: every example, a mistake, a reload, a
//! shared link; screenshots under `target/screenshots/`, timings in
//! `target/bench-web.json`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};

fn root() -> PathBuf {
    // Canonical: Chrome and chromedriver must agree on the profile's path.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The files the site served, by name, in order: what the page and its
/// workers fetched (a worker's fetches are not in the page's timeline).
static SERVED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn served() -> Vec<String> {
    SERVED.lock().map(|s| s.clone()).unwrap_or_default()
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
    if let (Ok(mut log), Some(name)) = (SERVED.lock(), file.file_name()) {
        log.push(name.to_string_lossy().into_owned());
    }
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

/// Picks an option of a `<select>` by its name, and waits while an
/// example it needs is being fetched and its Pod simulated.
async fn choose(c: &Client, label: &str, value: impl std::fmt::Display) {
    js(c, &format!("const s = document.querySelector('select[name={label}]'); s.value = '{value}'; s.dispatchEvent(new Event('change'));")).await;
    settle(c).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Waits while the page fetches an example, analyses the text or waits for
/// the simulator's answer (the worker answers on its own time).
async fn settle(c: &Client) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while js(c, "return document.querySelector('.app[data-loading], .app[data-busy]') !== null").await
        == serde_json::Value::Bool(true)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Moves the timeline to the last step of the run the page settles on.
async fn to_the_end(c: &Client) {
    settle(c).await;
    js(c, "const r = document.querySelector('.timeline input[type=range]'); if (r) { r.value = r.max; r.dispatchEvent(new Event('input')); }").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn run_in_terminal(c: &Client, container: &str, command: &str) -> String {
    choose(c, "container", container).await;
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
    // The browser is closed whatever happens: after a failed step it would
    // go on running (chromedriver's end does not end it).
    let steps = tokio::spawn(every_step(c.clone(), url));
    let outcome = steps.await;
    let _ = c.close().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("{e}"),
        }
    }
}

async fn every_step(c: Client, url: String) {
    let (interactive_ms, first_load) = first_load(&c, &url).await;
    a_lesson_on_the_pod_in_the_editor_runs_commands(&c).await;
    field_docs_on_first_show(&c).await;
    every_example_simulates(&c).await;
    share_process_namespace(&c).await;
    host_aliases(&c).await;
    war_before_tomcat(&c).await;
    missing_image(&c).await;
    deletion_is_drawn_to_the_end(&c).await;
    a_failing_post_start_is_never_drawn_running(&c).await;
    every_data_flow_is_drawn(&c).await;
    unschedulable(&c).await;
    a_mistake_at_its_line(&c).await;
    nothing_the_learner_wrote_is_lost(&c).await;
    language_lesson_and_progress_survive_a_reload(&c).await;
    let after = the_text_survives_a_reload(&c).await;
    a_shared_link_opens_the_same_pod(&c, &after).await;
    // What the page fetched, before typing's last steps leave it.
    let transfer = js(&c, "return performance.getEntriesByType('resource').reduce((s, e) => s + (e.encodedBodySize || 0), 0) + performance.getEntriesByType('navigation').reduce((s, e) => s + (e.encodedBodySize || 0), 0)").await;
    let typing = typing_keeps_up(&c).await;
    // Last, so that typing is measured in the window the test opened.
    layouts_fit_every_width(&c, &url).await;

    let report = serde_json::json!({
        "first_load_to_interactive_ms": interactive_ms,
        "typing": typing,
        "transfer_bytes_uncompressed": transfer,
        "first_load_files": first_load,
    });
    let _ = std::fs::write(root().join("target/bench-web.json"), serde_json::to_string_pretty(&report).unwrap());
}

/// First load: time until the page shows the Pod's picture (milliseconds),
/// and what it fetched (the page and its resources, by file name): the
/// page's wasm, but neither the field docs nor the simulator's worker,
/// which comes when the learner presses Play.
async fn first_load(c: &Client, url: &str) -> (f64, Vec<String>) {
    c.goto(url).await.unwrap();
    // A first visit opens on the welcome and the Pod as written.
    wait_for(c, ".status", "Not created yet").await;
    let picture = wait_for(c, "figure", "nginx-container").await;
    assert!(picture.contains("volume shared-data"), "{picture}");
    let welcome = text(c, ".welcome").await;
    assert!(welcome.contains("Start with lesson 1") && welcome.contains("Press Play"), "{welcome}");
    // The page marks its first render, which draws the picture.
    let drawn =
        js(c, "const m = performance.getEntriesByName('podplay-drawn'); return m.length ? m[0].startTime : null").await;
    let interactive_ms = drawn.as_f64().expect("the page marks its first picture");
    let first_load = served();
    assert!(first_load.iter().any(|f| f.ends_with(".wasm")), "{first_load:?}");
    assert!(
        !first_load.iter().any(|f| f == "k8s-docs.json"),
        "the field docs wait until they are shown: {first_load:?}"
    );
    assert!(
        !first_load.iter().any(|f| f.starts_with("podplay-worker")),
        "the simulator waits for Play: {first_load:?}"
    );
    screenshot(c, "e2e-first-load").await;
    // Play: the simulator's worker is fetched, and the Pod runs from its
    // creation.
    c.find(Locator::Css(".welcome-actions button:last-child")).await.unwrap().click().await.unwrap();
    let status = wait_for(c, ".status", "STATUS").await;
    assert!(status.starts_with("STATUS ContainerCreating") || status.starts_with("STATUS Pending"), "{status}");
    let now = served();
    assert!(now.iter().any(|f| f == "podplay-worker_bg.wasm"), "{now:?}");
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

/// On a first visit the lesson on the Pod already in the editor keeps its
/// simulation; its terminal must still have a container (it had none, and
/// every command was swallowed: the first finding).
async fn a_lesson_on_the_pod_in_the_editor_runs_commands(c: &Client) {
    choose(c, "lessons", 1).await;
    let input = c.find(Locator::Css(".terminal input[type=text]")).await.unwrap();
    input.send_keys("ls /").await.unwrap();
    c.find(Locator::Css(".terminal button[type=submit]")).await.unwrap().click().await.unwrap();
    let screen = wait_for(c, ".terminal .screen", "ls /").await;
    assert!(screen.contains("nginx-container$ ls /") && screen.contains("usr"), "{screen}");
}

/// Every example simulates.
async fn every_example_simulates(c: &Client) {
    let examples = js(c, "return document.querySelectorAll('select[name=examples] option').length - 1")
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(examples >= 13, "{examples} examples");
    for i in 0..examples as usize {
        choose(c, "examples", i).await;
        to_the_end(c).await;
        let status = text(c, ".status").await;
        assert!(status.starts_with("STATUS "), "example {i}: {status}");
    }
}

/// From a 360 px phone to a 2560 px screen, in both languages, with two,
/// three and four containers and an outside store: nothing sticks out of
/// the page, the picture's text is never drawn under 85% of its size, a
/// phone shows the picture right after the timeline, and a wide screen puts the
/// story beside the picture, above the fold.
async fn layouts_fit_every_width(c: &Client, url: &str) {
    // Typing's last measure left the page for a plain textarea.
    c.goto(url).await.unwrap();
    wait_for(c, ".status", "STATUS").await;
    const MEASURE: &str = "const svg = document.querySelector('.picture svg'), fig = document.querySelector('figure').getBoundingClientRect();
        const story = document.querySelector('.story').getBoundingClientRect();
        const status = document.querySelector('.status').getBoundingClientRect();
        return { status_bottom: status.bottom + scrollY, inner: innerWidth, height: innerHeight,
                 overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                 scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
                 figure_top: fig.top + scrollY, figure_right: fig.right, story_left: story.left, story_top: story.top + scrollY };";
    let sizes = [(360, 740), (390, 844), (1366, 768), (1920, 1080), (2560, 1440)];
    for (width, height) in sizes {
        c.set_window_size(width, height).await.unwrap();
        for lang in ["en", "zh"] {
            for example in [0, 2, 9] {
                choose(c, "examples", example).await;
                to_the_end(c).await;
                js(c, "window.scrollTo(0, 0)").await;
                let m = js(c, MEASURE).await;
                let at = format!("{width}×{height} {lang} example {example}: {m}");
                let f = |k: &str| m[k].as_f64().unwrap_or(f64::NAN);
                assert!(f("overflow") <= 0.0, "the page scrolls sideways at {at}");
                assert!(f("scale") >= 0.84, "the picture's text is too small at {at}");
                if f("inner") < 900.0 {
                    // The lesson (if any), the timeline, the status, then
                    // the picture: the editor and the buttons come after.
                    assert!(f("figure_top") - f("status_bottom") < 48.0, "the picture is not next on a phone at {at}");
                }
                if f("inner") >= 1500.0 {
                    assert!(f("story_left") >= f("figure_right") - 1.0, "the story is not beside the picture at {at}");
                    assert!(f("story_top") < f("height"), "the story is below the fold at {at}");
                }
                screenshot(c, &format!("e2e-layout-{width}-{lang}-{example}")).await;
            }
            c.find(Locator::Css("button[aria-label='Language / 语言']")).await.unwrap().click().await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    c.set_window_size(1400, 1600).await.unwrap();
}

/// shareProcessNamespace: ps in the shell shows /pause as PID 1.
async fn share_process_namespace(c: &Client) {
    choose(c, "examples", 7).await;
    to_the_end(c).await;
    let screen = run_in_terminal(c, "shell", "ps ax").await;
    assert!(screen.contains("1 65535 0:00 /pause") || screen.contains("    1 65535     0:00 /pause"), "{screen}");
    screenshot(c, "e2e-share-process-namespace").await;
}

/// hostAliases: the hosts file as the kubelet writes it.
async fn host_aliases(c: &Client) {
    choose(c, "examples", 6).await;
    to_the_end(c).await;
    let logs = text(c, ".inside").await;
    assert!(logs.contains("# Entries added by HostAliases."), "{logs}");
    assert!(logs.contains("10.1.2.3") && logs.contains("foo.remote") && logs.contains("bar.remote"), "{logs}");
}

/// WAR + Tomcat: the init container finishes before Tomcat starts.
async fn war_before_tomcat(c: &Client) {
    choose(c, "examples", 1).await;
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
    choose(c, "examples", 0).await;
    c.find(Locator::Css("button[title^='Change the first container']")).await.unwrap().click().await.unwrap();
    to_the_end(c).await;
    let events = wait_for(c, ".panels", "ErrImagePull").await;
    assert!(events.contains("Failed to pull image \"nginx:does-not-exist\""), "{events}");
    let yaml = js(c, "return document.querySelector('textarea').value").await;
    assert!(yaml.as_str().unwrap_or("").contains("image: nginx:does-not-exist"), "{yaml}");
    screenshot(c, "e2e-missing-image").await;
}

/// Moves the timeline to instant `i`.
/// Shows instant `i`, paused: a play still under way (a break plays the new
/// run) would move on between what the test reads.
async fn seek(c: &Client, i: u64) {
    js(
        c,
        "const b = document.querySelectorAll('.timeline button')[1]; if (b && b.textContent.includes('❚❚')) b.click();",
    )
    .await;
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
    choose(c, "examples", 0).await;
    to_the_end(c).await;
    c.find(Locator::Css(".break button")).await.unwrap().click().await.unwrap();
    let seen = pictures(c).await;
    assert!(seen.iter().any(|p| p.contains("Terminating: 30 s of grace left")), "{seen:#?}");
    // nginx quits at once (its exit read right after StopContainer); the
    // grace period runs out for the debian shell, killed at 0 s.
    assert!(seen.iter().any(|p| p.contains("Terminating: 0 s of grace left")), "{seen:#?}");
    assert!(
        seen.iter()
            .any(|p| p.contains("Terminating: 0 s of grace left")
                && p.contains("debian-container (main): Error (exit 137)")),
        "{seen:#?}"
    );
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
    choose(c, "examples", 0).await;
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
    choose(c, "examples", 2).await;
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
    choose(c, "examples", 0).await;
    to_the_end(c).await;
    run_in_terminal(c, "nginx-container", "curl -s localhost").await;
    let labels =
        js(c, "return Array.from(document.querySelectorAll('.flow-label')).map(t => t.textContent).join(' | ')").await;
    assert!(labels.as_str().unwrap_or("").contains("/usr/share/nginx/html/index.html"), "{labels}");
    screenshot(c, "e2e-curl-flow").await;
}

/// Unschedulable: the nodeSelector lesson starts with no matching node.
async fn unschedulable(c: &Client) {
    choose(c, "lessons", 5).await;
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

/// A lesson, an example or a break replaces the learner's Pod; "Restore my
/// Pod" and Ctrl+Z (in the editor, and on the page) bring it back (issue
/// #11, finding 8).
async fn nothing_the_learner_wrote_is_lost(c: &Client) {
    let textarea = "document.querySelector('textarea')";
    let value = format!("return {textarea}.value");
    choose(c, "examples", 0).await;
    js(
        c,
        &format!(
            "const t = {textarea}; t.value = t.value + '# my own notes\n'; t.dispatchEvent(new InputEvent('input'));"
        ),
    )
    .await;
    let mine = js(c, &value).await;
    choose(c, "lessons", 3).await;
    assert_ne!(js(c, &value).await, mine);
    c.find(Locator::Css("button.restore")).await.unwrap().click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(js(c, &value).await, mine, "the button restores the text");
    choose(c, "examples", 1).await;
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
    settle(c).await;
    let status = wait_for(c, ".status", "STATUS Running").await;
    assert!(status.starts_with("STATUS Running"), "Ctrl+Z on the page undoes the deletion: {status}");
}

/// Language, lesson and progress survive a reload, and the page's `lang`
/// follows the language (Chinese glyphs, not Japanese ones); the share
/// link carries the lesson and the language and says where it went
/// (issue #11, findings 7, 8 and 10).
async fn language_lesson_and_progress_survive_a_reload(c: &Client) {
    let page = std::fs::read_to_string(root().join("dist/index.html")).unwrap();
    assert!(page.contains("loading the playground…") && page.contains("<title>podplay"), "{page}");
    choose(c, "lessons", 0).await;
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
        "const s = document.querySelector('select[name=lessons]'); return s.options[s.selectedIndex].textContent",
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

/// Watches keystrokes with the Event Timing API: for each keydown since
/// `mark()`, the longest event of its interaction (keydown to the next
/// frame painted), and the long tasks (over 50 ms). Events under 16 ms are
/// not reported by the browser, and count as 0.
const EVENT_TIMING: &str = "
  const et = window.__typing = { keys: [], events: [], long: [], from: 0 };
  addEventListener('keydown', e => et.keys.push(e.timeStamp), true);
  new PerformanceObserver(l => { for (const e of l.getEntries()) et.events.push([e.startTime, e.duration]); })
    .observe({ type: 'event', durationThreshold: 16 });
  new PerformanceObserver(l => { for (const e of l.getEntries()) et.long.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask' });
  et.mark = () => { et.from = performance.now(); };
  et.report = () => {
    const keys = et.keys.filter(k => k >= et.from);
    const worst = keys.map(() => 0);
    for (const [start, duration] of et.events) {
      let i = -1; for (let j = 0; j < keys.length; j++) if (keys[j] <= start + 1) i = j;
      if (i >= 0 && start >= et.from - 1) worst[i] = Math.max(worst[i], duration);
    }
    return { keys: worst, long: et.long.filter(([s]) => s >= et.from).map(([, d]) => d) };
  };";

/// What typing `count` keys, one every 60 ms (a fast typist), cost.
#[derive(Debug)]
struct Typing {
    p95_ms: f64,
    max_ms: f64,
    longest_task_ms: f64,
    /// Every keystroke's time, sorted.
    keys: Vec<f64>,
}

impl Typing {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({ "p95_ms": self.p95_ms, "max_ms": self.max_ms, "longest_task_ms": self.longest_task_ms })
    }
}

/// Types `count` keys into `css` (already focused where they go), real keys
/// through WebDriver, then waits `settle` for what follows them (the
/// analysis once typing pauses) before reading the timings.
async fn type_keys(c: &Client, css: &str, count: usize, settle: Duration) -> Typing {
    js(c, "window.__typing.mark()").await;
    // Key actions, not an element's "send keys" (which first scrolls the
    // element into view): keys pressed where the focus is.
    assert_eq!(js(c, &format!("return document.activeElement === document.querySelector('{css}')")).await, true);
    for _ in 0..count {
        let key =
            KeyActions::new("keyboard".into()).then(KeyAction::Down { value: 'x' }).then(KeyAction::Up { value: 'x' });
        c.perform_actions(key).await.unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    tokio::time::sleep(settle).await;
    let report = js(c, "return window.__typing.report()").await;
    let numbers = |key: &str| -> Vec<f64> {
        report[key].as_array().map(|a| a.iter().filter_map(|v| v.as_f64()).collect()).unwrap_or_default()
    };
    let mut keys = numbers("keys");
    assert_eq!(keys.len(), count, "every key was seen: {report}");
    keys.sort_by(f64::total_cmp);
    Typing {
        p95_ms: p95(&keys),
        max_ms: keys.last().copied().unwrap_or(0.0),
        longest_task_ms: numbers("long").into_iter().fold(0.0, f64::max),
        keys,
    }
}

/// The 95th percentile of sorted timings.
fn p95(sorted: &[f64]) -> f64 {
    sorted.get((sorted.len() * 95 / 100).min(sorted.len().saturating_sub(1))).copied().unwrap_or(f64::NAN)
}

/// Puts the editor's cursor at the end of the Pod's name.
async fn cursor_on_the_name(c: &Client) {
    js(c, "const t = document.querySelector('main textarea'); const at = t.value.search(/^  name: /m) + 8; t.focus(); t.setSelectionRange(at, at);").await;
}

/// A plain textarea with `text`, alone on a blank page in the same browser:
/// what typing costs with no application at all.
async fn plain_textarea(c: &Client, text: &serde_json::Value) -> Typing {
    c.goto("about:blank").await.unwrap();
    js(c, EVENT_TIMING).await;
    js(c, &format!(
        "const t = document.createElement('textarea'); t.spellcheck = false; t.style.cssText = 'width: 700px; height: 75vh; font: 14px/1.5 monospace';
         t.value = {text}; document.body.appendChild(t); const at = t.value.search(/^  name: /m) + 8; t.focus(); t.setSelectionRange(at, at);"
    )).await;
    type_keys(c, "textarea", 30, Duration::from_millis(300)).await
}

/// Waits while the page analyzes a typed text.
async fn analyzed(c: &Client) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while js(c, "return document.querySelector('.app[data-busy]') !== null").await == serde_json::Value::Bool(true)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Typing keeps up (issue #11, finding 11): keydown to the next frame, by
/// the Event Timing API, with real keys typed into the Pod's name, p95 at
/// most 16 ms on every example; on a 5,000-line document at most 50 ms,
/// with no long task over 50 ms, the analysis that follows included.
/// Beside each, a plain textarea with the same text in the same browser:
/// when the browser itself is slower than that (a loaded machine), the
/// bound is what it does.
async fn typing_keeps_up(c: &Client) -> serde_json::Value {
    js(c, EVENT_TIMING).await;
    let examples = js(c, "return document.querySelectorAll('select[name=examples] option').length - 1")
        .await
        .as_u64()
        .unwrap_or(0) as usize;
    // The page was just loaded (the shared link): its first keystrokes run
    // before the browser has optimized the wasm. Warm up, unmeasured.
    choose(c, "examples", 0).await;
    cursor_on_the_name(c).await;
    type_keys(c, "main textarea", 20, Duration::from_millis(400)).await;
    let mut per_example = Vec::new();
    let mut retried = Vec::new();
    for i in 0..examples {
        choose(c, "examples", i).await;
        cursor_on_the_name(c).await;
        let mut typing = type_keys(c, "main textarea", 40, Duration::from_millis(400)).await;
        // A keystroke's time to the next frame depends on where in the
        // frame it lands, and the machine runs the test's own processes
        // too: over the bound, the example is typed once more.
        if typing.p95_ms > 16.0 {
            retried.push((i, typing.p95_ms));
            // As loaded again: the first keys' analysis has moved the stage
            // to the Pod's last instant, another thing to measure.
            choose(c, "examples", i).await;
            cursor_on_the_name(c).await;
            typing = type_keys(c, "main textarea", 40, Duration::from_millis(400)).await;
        }
        per_example.push(typing);
    }
    // Typing beside a running Pod's last instant, its data flows drawn
    // (the largest example, after its first keys are analyzed): reported.
    choose(c, "examples", 9).await;
    cursor_on_the_name(c).await;
    type_keys(c, "main textarea", 10, Duration::from_millis(400)).await;
    analyzed(c).await;
    let beside_running = type_keys(c, "main textarea", 40, Duration::from_millis(400)).await;
    let example_text = js(c, "return document.querySelector('main textarea').value").await;
    // 5,000 lines: the default Pod with a long list of variables.
    js(c, "const t = document.querySelector('main textarea'); const s = t.value.replace(/\\n*$/, '\\n');
           const env = ['    env:']; while (env.length + s.split('\\n').length < 5000) env.push('    - name: VAR_' + env.length, '      value: \"v' + env.length + '\"');
           t.value = s.replace(/^(    image: .*)$/m, '$1\\n' + env.join('\\n')); t.dispatchEvent(new InputEvent('input'));").await;
    analyzed(c).await;
    let big_text = js(c, "return document.querySelector('main textarea').value").await;
    let lines = big_text.as_str().map_or(0, |t| t.lines().count());
    assert!(lines >= 5000, "{lines} lines");
    cursor_on_the_name(c).await;
    let big = type_keys(c, "main textarea", 30, Duration::from_millis(1500)).await;
    assert!(js(c, "return document.querySelector('.app[data-busy]') === null").await == serde_json::Value::Bool(true));
    let status = text(c, ".status").await;
    assert!(status.starts_with("STATUS Running"), "the typed Pod ran: {status}");

    let plain = plain_textarea(c, &example_text).await;
    let plain_big = plain_textarea(c, &big_text).await;
    // Over all the examples' keystrokes, p95 within a frame (16 ms); for
    // each example, within two, which one keystroke landing badly in the
    // frame, or a hiccup of the machine, can cost.
    let mut all: Vec<f64> = per_example.iter().flat_map(|t| t.keys.iter().copied()).collect();
    all.sort_by(f64::total_cmp);
    let bound = plain.p95_ms.max(16.0);
    let each: Vec<f64> = per_example.iter().map(|t| t.p95_ms).collect();
    assert!(
        p95(&all) <= bound,
        "all examples: p95 {} ms (each: {each:?}, typed again: {retried:?}); a plain textarea: {plain:?}",
        p95(&all)
    );
    for (i, typing) in per_example.iter().enumerate() {
        assert!(typing.p95_ms <= 2.0 * bound, "example {i}: {typing:?}; a plain textarea: {plain:?}");
    }
    assert!(big.p95_ms <= plain_big.p95_ms.max(50.0), "5,000 lines: {big:?}; a plain textarea: {plain_big:?}");
    assert!(big.longest_task_ms <= 50.0, "5,000 lines: {big:?}");
    serde_json::json!({
        "examples_p95_ms": per_example.iter().map(|t| t.p95_ms).collect::<Vec<_>>(),
        "all_examples_p95_ms": p95(&all),
        "beside_a_running_pod": { "p95_ms": beside_running.p95_ms, "max_ms": beside_running.max_ms, "longest_task_ms": beside_running.longest_task_ms },
        "all_examples_keystrokes": all.len(),
        "examples_max_ms": per_example.iter().map(|t| t.max_ms).collect::<Vec<_>>(),
        "examples_longest_task_ms": per_example.iter().map(|t| t.longest_task_ms).fold(0.0, f64::max),
        "examples_typed_again": retried.iter().map(|(i, p95)| serde_json::json!({ "example": i, "first_p95_ms": p95 })).collect::<Vec<_>>(),
        "plain_textarea": plain.json(),
        "five_thousand_lines": big.json(),
        "five_thousand_lines_plain_textarea": plain_big.json(),
        "lines": lines,
    })
}
