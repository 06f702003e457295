//! The panels: kubectl's views, the story so far, and a terminal.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use podplay_core::trace::Step;

/// How many of the latest lines the story lists.
pub const STORY_STEPS: usize = 40;

#[derive(Properties, PartialEq)]
pub struct StatusProps {
    pub lang: crate::lessons::Lang,
    pub get_wide: String,
    pub describe: String,
}

/// Lines of `describe` shown until the learner asks for all: a Pod with
/// thousands of variables describes in thousands of lines, which the page
/// would lay out at every instant.
const DESCRIBE_LINES: usize = 200;

#[function_component(StatusPanel)]
pub fn status_panel(props: &StatusProps) -> Html {
    let all = use_state(|| false);
    let (shown, hidden) = head(&props.describe, if *all { usize::MAX } else { DESCRIBE_LINES });
    let show_all = {
        let all = all.clone();
        Callback::from(move |_: MouseEvent| all.set(true))
    };
    html! {
        <section class="panel" aria-label={props.lang.t("kubectl views", "kubectl 视图")}>
            <h2>{ "kubectl get pod -o wide" }</h2>
            <pre>{ props.get_wide.clone() }</pre>
            <h2>{ "kubectl describe pod" }</h2>
            <pre>{ shown }</pre>
            if hidden > 0 {
                <button class="more" onclick={show_all}>{ match props.lang {
                    crate::lessons::Lang::En => format!("Show the other {hidden} lines"),
                    crate::lessons::Lang::Zh => format!("显示其余 {hidden} 行"),
                } }</button>
            }
        </section>
    }
}

/// The first `limit` lines of `text`, and how many more there are.
fn head(text: &str, limit: usize) -> (&str, usize) {
    match text.match_indices('\n').nth(limit.saturating_sub(1)) {
        Some((at, _)) if limit > 0 => {
            let rest = &text[at + 1..];
            (&text[..at + 1], rest.lines().count())
        }
        _ => (text, 0),
    }
}

/// A line of the story: a step, and how often it happened in a row (a
/// loop's periodic steps fold into one line, `podplay_core::trace::story`).
#[derive(Clone, Debug, PartialEq)]
pub struct StoryLine {
    /// The step's place in the run: the line's key, so that a line opened
    /// stays open on the same step as the shown lines slide.
    pub index: usize,
    pub step: Step,
    /// The step's words in the language shown.
    pub text: String,
    pub times: usize,
    /// The latest of the later times, with their words (at most
    /// [`REPEATS_LISTED`]).
    pub repeats: Vec<(podplay_core::time::MonoTime, String)>,
}

/// How many of a folded line's later times it lists when opened.
pub const REPEATS_LISTED: usize = 30;

#[derive(Properties, PartialEq)]
pub struct StoryProps {
    /// The latest lines (the app passes at most [`STORY_STEPS`]).
    pub lines: Vec<StoryLine>,
    /// The number of the first one shown.
    pub first: usize,
    pub lang: crate::lessons::Lang,
}

fn seconds(at: podplay_core::time::MonoTime) -> String {
    format!("{}.{:03}s", at.0 / 1000, at.0 % 1000)
}

#[function_component(StoryPanel)]
pub fn story_panel(props: &StoryProps) -> Html {
    // Keep the newest step in view as time moves.
    let list = use_node_ref();
    {
        let list = list.clone();
        let times: usize = props.lines.iter().map(|l| l.times).sum();
        use_effect_with((props.first + props.lines.len(), times), move |_| {
            if let Some(ol) = list.cast::<web_sys::Element>() {
                ol.set_scroll_top(ol.scroll_height());
            }
        });
    }
    html! {
        <section class="panel story" aria-label={props.lang.t("What happened", "发生了什么")}>
            <h2>{ props.lang.t("What happened", "发生了什么") }</h2>
            <ol start={props.first.to_string()} ref={list}>
                { for props.lines.iter().map(|line| story_line(line, props.lang)) }
            </ol>
        </section>
    }
}

fn story_line(line: &StoryLine, lang: crate::lessons::Lang) -> Html {
    let s = &line.step;
    let folded = line.times > 1;
    html! {
        <li key={line.index} class={format!("step {:?}{}", s.kind, if folded { " folded" } else { "" }).to_ascii_lowercase()}>
            <span class="at">{ seconds(s.at) }</span>
            <span class="actor">{ s.actor.label() }</span>
            <span class="text">{ line.text.clone() }</span>
            if folded {
                <details class="repeats">
                    <summary>{ repeats_summary(line, lang) }</summary>
                    <ol>
                        { for line.repeats.iter().map(|(at, text)| html!{
                            <li><span class="at">{ seconds(*at) }</span>{ text.clone() }</li>
                        }) }
                    </ol>
                </details>
            }
        </li>
    }
}

/// "×28 · last at 30.183s", or its 中文.
fn repeats_summary(line: &StoryLine, lang: crate::lessons::Lang) -> String {
    let last = line.repeats.last().map_or(line.step.at, |(at, _)| *at);
    match lang {
        crate::lessons::Lang::En => format!("×{} · last at {}", line.times, seconds(last)),
        crate::lessons::Lang::Zh => format!("×{} · 最近一次 {}", line.times, seconds(last)),
    }
}

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub lang: crate::lessons::Lang,
    pub containers: Vec<String>,
    pub selected: Option<String>,
    pub history: std::rc::Rc<Vec<(String, String)>>,
    pub on_select: Callback<String>,
    pub on_exec: Callback<String>,
}

#[function_component(Terminal)]
pub fn terminal(props: &TerminalProps) -> Html {
    let input = use_node_ref();
    let on_submit = {
        let input = input.clone();
        let on_exec = props.on_exec.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = input.cast::<HtmlInputElement>() {
                let command = i.value();
                if !command.trim().is_empty() {
                    on_exec.emit(command);
                    i.set_value("");
                }
            }
        })
    };
    let on_change = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                on_select.emit(s.value());
            }
        })
    };
    html! {
        <section class="panel terminal" aria-label={props.lang.t("Terminal", "终端")}>
            <h2>{ "kubectl exec" }</h2>
            <pre class="screen">
                { for props.history.iter().map(|(cmd, out)| html!{ <><span class="prompt">{ format!("{cmd}\n") }</span>{ out.clone() }</> }) }
            </pre>
            <form onsubmit={on_submit}>
                <label>{ props.lang.t("Container ", "容器 ") }
                    <select name="container" onchange={on_change} aria-label={props.lang.t("Container", "容器")}>
                        { for props.containers.iter().map(|c| html!{ <option value={c.clone()} selected={props.selected.as_deref() == Some(c.as_str())}>{ c.clone() }</option> }) }
                    </select>
                </label>
                <input ref={input} type="text" placeholder="ps ax · cat /etc/hosts · ls /usr/share/nginx/html" aria-label={props.lang.t("Command", "命令")} />
                <button type="submit">{ props.lang.t("Run", "运行") }</button>
            </form>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct InsideProps {
    pub lang: crate::lessons::Lang,
    pub container: String,
    pub inside: crate::run::Inside,
}

/// The processes as the node and as the container see them (the course's
/// `pstree` lesson), the kubelet-written hosts file, and the log.
#[function_component(InsidePanel)]
pub fn inside_panel(props: &InsideProps) -> Html {
    let i = &props.inside;
    html! {
        <section class="panel inside" aria-label={props.lang.t("Inside the Pod", "Pod 内部")}>
            <h2>{ props.lang.t("Processes, as the node sees them", "节点上看到的进程") }</h2>
            <pre>{ i.node_ps.clone() }</pre>
            <h2>{ props.lang.pick(format!("Processes, as {} sees them", props.container), format!("容器 {} 里看到的进程", props.container)) }</h2>
            <pre>{ i.container_ps.clone() }</pre>
            <h2>{ props.lang.pick(format!("/etc/hosts in {}", props.container), format!("容器 {} 的 /etc/hosts", props.container)) }</h2>
            <pre>{ i.hosts.clone() }</pre>
            <h2>{ format!("kubectl logs -c {}", props.container) }</h2>
            <pre>{ if i.log.is_empty() { props.lang.t("(no output yet)", "（暂无输出）").to_string() } else { i.log.clone() } }</pre>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct BreakProps {
    pub lang: crate::lessons::Lang,
    pub containers: Vec<String>,
    /// The containers with a process to signal at this instant.
    pub running: Vec<String>,
    /// The Pod can be deleted (it is not being deleted, nor gone).
    pub deletable: bool,
    pub on_break: Callback<crate::run::Intervention>,
    pub on_break_spec: Callback<crate::breakage::SpecBreak>,
    /// The spec breaks edit the text, so they need a valid one.
    pub text_valid: bool,
}

/// Break things at the current instant and watch what Kubernetes does.
#[function_component(BreakPanel)]
pub fn break_panel(props: &BreakProps) -> Html {
    use crate::run::Intervention;
    let delete = props.on_break.reform(|_: MouseEvent| Intervention::Delete);
    let image = props.on_break_spec.reform(|_: MouseEvent| crate::breakage::SpecBreak::MissingImage);
    let post_start = props.on_break_spec.reform(|_: MouseEvent| crate::breakage::SpecBreak::FailingPostStart);
    let hog = props.on_break_spec.reform(|_: MouseEvent| crate::breakage::SpecBreak::MemoryHog);
    html! {
        <section class="panel break" aria-label={props.lang.t("Break things", "搞点破坏")}>
            <h2>{ props.lang.t("Break things (at this instant)", "搞点破坏（在此刻）") }</h2>
            <button onclick={delete} disabled={!props.deletable}>{ "kubectl delete pod" }</button>
            <button onclick={image} disabled={!props.text_valid} title={props.lang.t("Change the first container's image to a tag the registry does not have, in the editor", "在编辑器里把第一个容器的镜像改成仓库里没有的标签")}>{ props.lang.t("Make the image missing", "让镜像不存在") }</button>
            <button onclick={post_start} disabled={!props.text_valid} title={props.lang.t("Give the first container a postStart hook that exits 1, in the editor", "在编辑器里给第一个容器加一个以 1 退出的 postStart 钩子")}>{ props.lang.t("Make postStart fail", "让 postStart 失败") }</button>
            <button onclick={hog} disabled={!props.text_valid} title={props.lang.t("Add a container that allocates 128 MiB under a 64Mi memory limit, in the editor", "在编辑器里加一个在 64Mi 内存上限下申请 128 MiB 的容器")}>{ props.lang.t("Exceed a memory limit", "超出内存上限") }</button>
            { for props.containers.iter().map(|c| {
                let idle = !props.running.contains(c);
                let name = c.clone();
                let kill = props.on_break.reform(move |_: MouseEvent| Intervention::Kill { container: name.clone(), signal: 9 });
                let name = c.clone();
                let term = props.on_break.reform(move |_: MouseEvent| Intervention::Kill { container: name.clone(), signal: 15 });
                html! {
                    <span class="kill">
                        <button onclick={kill} disabled={idle} title={props.lang.t("SIGKILL its first process from the node", "从节点向它的第一个进程发送 SIGKILL")}>{ format!("kill -9 {c}") }</button>
                        <button onclick={term} disabled={idle} title={props.lang.t("SIGTERM its first process (PID 1 ignores it without a handler)", "向它的第一个进程发送 SIGTERM（没有处理函数的 PID 1 会忽略它）")}>{ format!("kill -TERM {c}") }</button>
                    </span>
                }
            }) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    pub index: usize,
    pub lang: crate::lessons::Lang,
    pub done: bool,
}

/// The lesson being followed: what to watch, the task, and whether it is done.
#[function_component(LessonPanel)]
pub fn lesson_panel(props: &LessonProps) -> Html {
    let Some(lesson) = crate::lessons::LESSONS.get(props.index) else { return html! {} };
    let t = |pair: (&'static str, &'static str)| props.lang.t(pair.0, pair.1);
    let (mark, label) = if props.done {
        ("✔", props.lang.t("Done", "完成"))
    } else {
        ("○", props.lang.t("Not yet", "尚未完成"))
    };
    // The glossary's words this lesson uses, in both languages.
    let texts = [lesson.title.0, lesson.watch.0, lesson.task.0];
    let terms: Vec<String> = crate::glossary::used_in(&texts).map(|t| format!("{} = {}", t.en, t.zh)).collect();
    let terms = terms.join(" · ");
    html! {
        <section class={if props.done { "panel lesson done" } else { "panel lesson" }} aria-label={props.lang.t("Lesson", "课程")}>
            <h2>{ t(lesson.title) }</h2>
            <p><strong>{ props.lang.t("What to watch: ", "观察要点：") }</strong>{ t(lesson.watch) }</p>
            <p><strong>{ props.lang.t("Your task: ", "任务：") }</strong>{ t(lesson.task) }</p>
            <p class="task-state" aria-live="polite">{ format!("{mark} {label}") }</p>
            if !terms.is_empty() {
                <p class="terms"><strong>{ props.lang.t("Terms: ", "术语：") }</strong>{ terms }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_text_is_cut_after_its_first_lines() {
        assert_eq!(super::head("a\nb\nc\n", 2), ("a\nb\n", 1));
        assert_eq!(super::head("a\nb\nc", 2), ("a\nb\n", 1));
        assert_eq!(super::head("a\nb\n", 2), ("a\nb\n", 0));
        assert_eq!(super::head("a", 2), ("a", 0));
        assert_eq!(super::head("a\nb", usize::MAX), ("a\nb", 0));
    }
}
