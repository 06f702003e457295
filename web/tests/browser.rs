//! The playground in a real browser (headless Chromium via
//! wasm-bindgen-test): it renders, shows diagnostics as the learner types,
//! draws the Pod, and steps through time.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Renders the app into a fresh element and waits for the first render.
async fn mount() -> HtmlElement {
    if let Some(storage) = web_sys::window().unwrap().local_storage().unwrap() {
        storage.clear().unwrap();
    }
    let root: HtmlElement = document().create_element("div").unwrap().dyn_into().unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    // The simulator in the page: the test has no worker script.
    let props = podplay_web::app::AppProps { simulator: podplay_web::simulator::Simulator::in_page() };
    yew::Renderer::<podplay_web::app::App>::with_root_and_props(root.clone().into(), props).render();
    settle().await;
    root
}

/// A first visit shows the Pod as written: Play runs it (and is paused
/// again here, so that the test steps by hand).
async fn run_it(root: &HtmlElement) {
    let play: HtmlElement =
        root.query_selector(".welcome-actions button:last-child").unwrap().unwrap().dyn_into().unwrap();
    play.click();
    settle().await;
    let pause: HtmlElement = root.query_selector_all(".timeline button").unwrap().item(1).unwrap().dyn_into().unwrap();
    pause.click();
    settle().await;
}

/// Lets the page draw, and the simulator answer what was asked.
async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    for _ in 0..200 {
        if document().query_selector(".app[data-busy]").unwrap().is_none() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
}

fn text_of(root: &HtmlElement, selector: &str) -> String {
    root.query_selector(selector).unwrap().map(|e| e.text_content().unwrap_or_default()).unwrap_or_default()
}

/// Picks an option of the `<select>` with this name, as a click would.
fn choose(root: &HtmlElement, name: &str, value: &str) {
    let select: web_sys::HtmlSelectElement =
        root.query_selector(&format!("select[name={name}]")).unwrap().unwrap().dyn_into().unwrap();
    select.set_value(value);
    select.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
}

async fn type_text(root: &HtmlElement, text: &str) {
    let area: HtmlTextAreaElement = root.query_selector("textarea").unwrap().unwrap().dyn_into().unwrap();
    area.set_value(text);
    let event = web_sys::InputEvent::new("input").unwrap();
    area.dispatch_event(&event).unwrap();
    settle().await;
    // The analysis waits for a pause in typing, then runs in slices.
    for _ in 0..200 {
        if root.query_selector(".app[data-busy]").unwrap().is_none() {
            return;
        }
        settle().await;
    }
    panic!("the typed text was never analyzed");
}

#[wasm_bindgen_test]
async fn a_first_visit_opens_on_the_welcome_then_the_pod_runs() {
    let root = mount().await;
    assert_eq!(text_of(&root, ".diagnostics"), "No problems: the API server would accept this.");
    // Nothing saved: the welcome, and the Pod as written.
    assert!(text_of(&root, ".welcome").contains("Start with lesson 1"), "{}", text_of(&root, ".welcome"));
    assert_eq!(text_of(&root, ".status"), "Not created yet: press ▶ to run it");
    let written = text_of(&root, "figure");
    assert!(written.contains("nginx-container (main)") && written.contains("volume shared-data"), "{written}");
    // Play: the Pod is created and runs from its first instant.
    let play: HtmlElement =
        root.query_selector(".welcome-actions button:last-child").unwrap().unwrap().dyn_into().unwrap();
    play.click();
    settle().await;
    assert!(text_of(&root, ".welcome").is_empty(), "the welcome goes once the learner acts");
    assert!(text_of(&root, ".status").starts_with("STATUS "), "{}", text_of(&root, ".status"));
    let range: web_sys::HtmlInputElement =
        root.query_selector(".timeline input[type=range]").unwrap().unwrap().dyn_into().unwrap();
    range.set_value(&range.max());
    range.dispatch_event(&web_sys::InputEvent::new("input").unwrap()).unwrap();
    settle().await;
    assert!(text_of(&root, ".status").starts_with("STATUS Running"), "{}", text_of(&root, ".status"));
    let picture = text_of(&root, "figure");
    assert!(picture.contains("pause (infra container): holds the shared namespaces"), "{picture}");
    assert!(picture.contains("nginx-container (main)"), "{picture}");
    assert!(picture.contains("volume shared-data"), "{picture}");
    // The picture in words, for screen readers.
    let spoken = root.query_selector("figure svg").unwrap().unwrap().get_attribute("aria-label").unwrap_or_default();
    assert!(spoken.contains("nginx-container (main): Running, ready"), "{spoken}");
    assert!(spoken.contains("volume shared-data (hostPath): nginx-container: /usr/share/nginx/html"), "{spoken}");
}

#[wasm_bindgen_test]
async fn a_mistake_shows_at_its_line_and_keeps_the_picture_marked_stale() {
    let root = mount().await;
    let yaml =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    imagee: nginx\n";
    type_text(&root, yaml).await;
    let problems = text_of(&root, ".diagnostics");
    assert!(problems.contains("8:5"), "{problems}");
    assert!(problems.contains("strict decoding error: unknown field \"spec.containers[0].imagee\""), "{problems}");
    assert!(problems.contains("did you mean \"image\"?"), "{problems}");
    assert!(text_of(&root, "figcaption").contains("Out of date"));
    assert!(root.query_selector(".gutter .error").unwrap().is_some(), "gutter mark");
}

#[wasm_bindgen_test]
async fn stepping_back_to_the_start_shows_the_pod_pending() {
    let root = mount().await;
    run_it(&root).await;
    let back: HtmlElement = root.query_selector(".timeline button").unwrap().unwrap().dyn_into().unwrap();
    for _ in 0..50 {
        back.click();
    }
    settle().await;
    let status = text_of(&root, ".status");
    assert!(status.contains("Pending") || status.contains("ContainerCreating"), "{status}");
}

#[wasm_bindgen_test]
async fn stepping_marks_what_changed_and_draws_the_data_flow() {
    let root = mount().await;
    run_it(&root).await;
    let buttons = root.query_selector_all(".timeline button").unwrap();
    let button = |i: u32| -> HtmlElement { buttons.item(i).unwrap().dyn_into().unwrap() };
    for _ in 0..200 {
        button(0).click();
    }
    settle().await;
    let (mut changed, mut arrow, mut stepped) = (Vec::new(), false, 0);
    for _ in 0..200 {
        if button(2).has_attribute("disabled") {
            break;
        }
        button(2).click();
        settle().await;
        stepped += 1;
        let marks = root.query_selector_all(".picture .changed").unwrap();
        for i in 0..marks.length() {
            changed.push(marks.item(i).unwrap().text_content().unwrap_or_default());
        }
        arrow |= root.query_selector(".picture .flow-arrow").unwrap().is_some();
    }
    assert!(stepped > 3, "{stepped} steps");
    assert!(changed.iter().any(|t| t.contains("nginx-container") && t.contains("✱ changed")), "{changed:?}");
    assert!(arrow, "the debian container's write into the volume is drawn as an arrow");
}

#[wasm_bindgen_test]
async fn the_cursor_on_a_key_shows_its_docs() {
    // The site fetches the docs beside index.html; the test runner's page
    // has no such file, so the test installs them (the e2e test fetches).
    podplay_core::schema::install_docs(include_str!("../../crates/podplay-core/data/k8s-docs.json")).unwrap();
    let root = mount().await;
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostAliases:\n  - ip: 10.1.2.3\n    hostnames: [foo.remote]\n  containers:\n  - name: web\n    image: nginx\n";
    type_text(&root, yaml).await;
    let area: HtmlTextAreaElement = root.query_selector("textarea").unwrap().unwrap().dyn_into().unwrap();
    let at = yaml.find("hostnames").unwrap() as u32 + 2;
    area.set_selection_range(at, at).unwrap();
    area.dispatch_event(&web_sys::KeyboardEvent::new("keyup").unwrap()).unwrap();
    settle().await;
    let docs = text_of(&root, ".docs");
    assert!(docs.contains("spec.hostAliases[0].hostnames <[]string>"), "{docs}");
    assert!(docs.contains("Hostnames for the above IP address."), "{docs}");
}

#[wasm_bindgen_test]
async fn a_lesson_checks_the_learners_task_in_english_and_chinese() {
    // The site fetches examples beside index.html; the test runner's page
    // has none, so the test provides the lesson's example (the e2e test fetches).
    podplay_web::examples::remember(4, include_str!("../../examples/node-selector.yaml"));
    let root = mount().await;
    choose(&root, "lessons", "5");
    settle().await;
    let lesson = text_of(&root, ".lesson");
    assert!(lesson.contains("nodeSelector: make this Pod schedule"), "{lesson}");
    assert!(lesson.contains("Not yet"), "{lesson}");
    let area: HtmlTextAreaElement = root.query_selector("textarea").unwrap().unwrap().dyn_into().unwrap();
    let fixed = area.value().replace("disktype: nvme", "disktype: ssd");
    type_text(&root, &fixed).await;
    assert!(text_of(&root, ".lesson").contains("Done"), "{}", text_of(&root, ".lesson"));
    let lang: HtmlElement =
        root.query_selector("button[aria-label='Language / 语言']").unwrap().unwrap().dyn_into().unwrap();
    lang.click();
    settle().await;
    let lesson = text_of(&root, ".lesson");
    assert!(lesson.contains("NodeSelector：让 Pod 调度成功") && lesson.contains("完成"), "{lesson}");
    // The whole interface switches, not only the lesson.
    assert!(text_of(&root, ".timeline").contains("▶ 播放"), "{}", text_of(&root, ".timeline"));
    assert!(text_of(&root, ".story h2").contains("发生了什么"));
    // The runtime's steps in 中文; kubectl's events as kubectl prints them.
    let story = text_of(&root, ".story");
    assert!(story.contains("创建沙箱") && story.contains("pause 进程（节点上的 PID"), "{story}");
    assert!(story.contains("Normal Scheduled") || story.contains("Successfully assigned"), "{story}");
    let header = text_of(&root, "header");
    assert!(header.contains("以 Succeeded 结束的 Pod") && !header.contains("A Pod that ends Succeeded"), "{header}");
    let time = text_of(&root, ".timeline .time");
    assert!(time.contains("第 ") && time.contains(" 步，共 "), "{time}");
    // What a screen reader says is in 中文 too.
    let label =
        |css: &str| root.query_selector(css).unwrap().and_then(|e| e.get_attribute("aria-label")).unwrap_or_default();
    assert_eq!(label("select[name=lessons]"), "课程");
    assert_eq!(label("select[name=examples]"), "示例");
    assert_eq!(label(".terminal"), "终端");
    assert_eq!(label("textarea"), "Pod YAML 编辑器");
    assert_eq!(label(".diagnostics"), "问题");
    // The lesson lists the glossary's words it uses.
    assert!(text_of(&root, ".lesson .terms").contains("node = 节点"), "{}", text_of(&root, ".lesson"));
    assert!(
        text_of(&root, "figure").contains("pause（Infra 容器）：持有共享的 Namespace"),
        "{}",
        text_of(&root, "figure")
    );
}

/// Tab indents in the editor; after Escape, Tab is left to the browser, so
/// the keyboard can leave the editor (no keyboard trap).
#[wasm_bindgen_test]
async fn escape_then_tab_leaves_the_editor() {
    let root = mount().await;
    let area: HtmlTextAreaElement = root.query_selector("textarea").unwrap().unwrap().dyn_into().unwrap();
    let key = |name: &str| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(name);
        init.set_cancelable(true);
        init.set_bubbles(true);
        let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        area.dispatch_event(&event).unwrap();
        event.default_prevented()
    };
    assert!(key("Tab"), "Tab indents: the browser's focus move is prevented");
    assert!(!key("Escape"));
    assert!(!key("Tab"), "after Escape, Tab moves the focus on");
    assert!(key("Tab"), "only the next Tab: then Tab indents again");
    let ctrl_m = {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("m");
        init.set_ctrl_key(true);
        init.set_cancelable(true);
        init.set_bubbles(true);
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()
    };
    area.dispatch_event(&ctrl_m).unwrap();
    assert!(!key("Tab") && !key("Tab"), "after Ctrl+M, every Tab moves the focus on");
    area.dispatch_event(&ctrl_m).unwrap();
    assert!(key("Tab"), "Ctrl+M again: Tab indents");
    assert!(text_of(&root, "#editor-keys").contains("Esc then Tab"), "{}", text_of(&root, "#editor-keys"));
}

/// A loop's periodic steps fold into one line "×N" that opens on the
/// times it happened.
#[wasm_bindgen_test]
async fn a_loops_repeated_steps_fold_into_one_line_that_opens() {
    podplay_web::examples::remember(2, include_str!("../../examples/logging-sidecar.yaml"));
    let root = mount().await;
    choose(&root, "examples", "2");
    settle().await;
    // An example opens on its first instant: go to its last (the other
    // tests' pages share the scheduler, so the new run may take a while).
    for _ in 0..100 {
        let range: web_sys::HtmlInputElement =
            root.query_selector(".timeline input[type=range]").unwrap().unwrap().dyn_into().unwrap();
        range.set_value(&range.max());
        range.dispatch_event(&web_sys::InputEvent::new("input").unwrap()).unwrap();
        settle().await;
        if root.query_selector(".story li.folded").unwrap().is_some() {
            break;
        }
    }
    let folded = root.query_selector_all(".story li.folded").unwrap();
    assert!(
        folded.length() >= 2,
        "{} folded lines: {} / {} / {}",
        folded.length(),
        text_of(&root, ".timeline"),
        text_of(&root, "header"),
        text_of(&root, ".story")
    );
    // The line the app's writes fold into, the most repeated.
    let times_of = |line: &HtmlElement| -> usize {
        let summary = line.query_selector("summary").unwrap().unwrap().text_content().unwrap();
        summary.trim_start_matches('×').split(' ').next().unwrap().parse().unwrap()
    };
    let line: HtmlElement = (0..folded.length())
        .map(|i| folded.item(i).unwrap().dyn_into::<HtmlElement>().unwrap())
        .max_by_key(|l| times_of(l))
        .unwrap();
    let summary: HtmlElement = line.query_selector("summary").unwrap().unwrap().dyn_into().unwrap();
    let times = times_of(&line);
    assert!(times > 20, "{}", summary.text_content().unwrap());
    // The 300 steps of the run are told in under 100 lines.
    let list = root.query_selector(".story > ol").unwrap().unwrap();
    let first: u32 = list.get_attribute("start").unwrap().parse().unwrap();
    let lines = first + root.query_selector_all(".story > ol > li").unwrap().length() - 1;
    assert!(lines < 100, "{lines} lines");
    summary.click();
    settle().await;
    let details = line.query_selector("details").unwrap().unwrap();
    assert!(details.has_attribute("open"));
    assert!(line.query_selector_all("details li").unwrap().length() >= 20);
}
