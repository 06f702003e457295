//! The YAML editor: a textarea with line numbers (the browser keeps its own
//! undo), two-space indentation on Tab and Enter, and the diagnostics list;
//! clicking a diagnostic moves the cursor there.

use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::components::code_view::{Drawn, View};
use crate::state::{Diagnostic, DocsState};

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub lang: crate::lessons::Lang,
    pub text: Rc<str>,
    pub diagnostics: Rc<[Diagnostic]>,
    pub on_edit: Callback<String>,
    /// The cursor moved: its offset in UTF-16 units.
    pub on_cursor: Callback<u32>,
    pub hover: Option<Rc<podplay_core::hover::Hover>>,
    pub completions: Rc<[podplay_core::hover::Completion]>,
    /// Whether the descriptions are there (they are fetched on first use).
    pub docs: crate::state::DocsState,
    pub on_complete: Callback<String>,
    /// The text is what a lesson, example or break put there: Ctrl+Z
    /// restores the learner's own Pod (the browser's undo cannot).
    pub can_restore: bool,
    pub on_restore: Callback<()>,
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let area = use_node_ref();
    let under = use_node_ref();
    let numbers = use_node_ref();
    // The highlight and the line numbers are drawn by hand, not by Yew:
    // only the lines in view, and of those only the ones that changed.
    let drawn = use_mut_ref(Drawn::default);
    let view = {
        let (area, under, numbers) = (area.clone(), under.clone(), numbers.clone());
        move || Some(View { textarea: area.cast()?, highlight: under.cast()?, gutter: numbers.cast()? })
    };
    // They follow the textarea's scroll.
    let on_scroll = {
        let (view, drawn) = (view.clone(), drawn.clone());
        Callback::from(move |_: Event| {
            if let Some(view) = view() {
                drawn.borrow_mut().scrolled(&view);
            }
        })
    };
    let on_input = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = textarea(&e) {
                on_edit.emit(t.value());
            }
        })
    };
    let on_cursor = {
        let on_cursor = props.on_cursor.clone();
        Callback::from(move |e: Event| {
            if let Some(t) = textarea(&e) {
                on_cursor.emit(t.selection_start().ok().flatten().unwrap_or(0));
            }
        })
    };
    let on_keyup = on_cursor.reform(|e: KeyboardEvent| e.into());
    let on_click = on_cursor.reform(|e: MouseEvent| e.into());
    // Clicking a diagnostic moves the cursor to it.
    let on_jump = {
        let area = area.clone();
        Callback::from(move |offset: u32| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                let _ = t.focus();
                let _ = t.set_selection_range(offset, offset);
            }
        })
    };
    let lines = props.text.split('\n').count().max(1);
    let marks: BTreeSet<u32> = props.diagnostics.iter().filter(|d| !d.warning).map(|d| d.line).collect();
    use_effect_with((props.text.clone(), marks.clone()), move |(text, marks)| {
        if let Some(view) = view() {
            drawn.borrow_mut().update(&view, text, marks);
        }
    });
    // Wide enough for the longest number, and a mark.
    let gutter_width = format!("width:calc({}ch + .8rem)", lines.to_string().len() + 2);
    html! {
        <section class="editor" aria-label={props.lang.t("Pod YAML", "Pod YAML")}>
            <div class="code">
                <div class="gutter" ref={numbers} style={gutter_width} aria-hidden="true"></div>
                <div class="area">
                    <pre class="highlight" ref={under} aria-hidden="true"></pre>
                    <textarea ref={area} spellcheck="false" value={props.text.clone()} oninput={on_input} onkeydown={on_keydown(props.on_edit.clone(), props.can_restore.then(|| props.on_restore.clone()))} onkeyup={on_keyup} onclick={on_click}
                        onscroll={on_scroll} rows={(lines + 1).to_string()} aria-label={props.lang.t("Pod YAML editor", "Pod YAML 编辑器")} aria-describedby="editor-keys" aria-invalid={(!marks.is_empty()).to_string()} />
                </div>
            </div>
            <p id="editor-keys" class="keys">{ props.lang.t("Tab indents; Esc then Tab leaves the editor (Ctrl+M: Tab always leaves it, until Ctrl+M again).", "Tab 缩进；先按 Esc 再按 Tab 离开编辑器（Ctrl+M：Tab 一直用于离开，再按 Ctrl+M 恢复）。") }</p>
            if !props.completions.is_empty() {
                { completions(&CompletionsProps { lang: props.lang, completions: props.completions.clone(), on_complete: props.on_complete.clone() }) }
            }
            { field_docs(&FieldDocsProps { lang: props.lang, hover: props.hover.clone(), docs: props.docs.clone() }) }
            { diagnostics(&DiagnosticsProps { lang: props.lang, diagnostics: props.diagnostics.clone(), on_jump }) }
        </section>
    }
}

/// Set on the textarea after Escape: the next Tab moves the focus on.
const ESCAPED: &str = "data-escaped";
/// Set on the textarea by Ctrl+M: Tab moves the focus on until Ctrl+M again.
const TAB_MOVES_FOCUS: &str = "data-tab-moves-focus";

/// The textarea an event happened in.
fn textarea(e: &Event) -> Option<HtmlTextAreaElement> {
    e.target().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
}

/// Tab indents by two spaces; Enter keeps the line's indentation (and
/// indents once more after a `key:`). Either edits the text. Ctrl+Z on a
/// text the page put there (`on_restore`) restores the learner's Pod.
fn on_keydown(on_edit: Callback<String>, on_restore: Option<Callback<()>>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        let Some(t) = textarea(&e) else { return };
        if let Some(restore) =
            on_restore.as_ref().filter(|_| (e.ctrl_key() || e.meta_key()) && e.key().eq_ignore_ascii_case("z"))
        {
            e.prevent_default();
            restore.emit(());
            return;
        }
        // Tab indents, so that Tab alone would trap the keyboard here: after
        // Escape, the next Tab leaves the editor, and Ctrl+M switches Tab to
        // moving the focus until pressed again (both as in CodeMirror).
        let leaving = t.get_attribute(ESCAPED).is_some() || t.get_attribute(TAB_MOVES_FOCUS).is_some();
        let _ = t.remove_attribute(ESCAPED);
        if (e.ctrl_key() || e.meta_key()) && e.key().eq_ignore_ascii_case("m") {
            e.prevent_default();
            let _ = match t.get_attribute(TAB_MOVES_FOCUS) {
                Some(_) => t.remove_attribute(TAB_MOVES_FOCUS),
                None => t.set_attribute(TAB_MOVES_FOCUS, ""),
            };
            return;
        }
        match e.key().as_str() {
            "Escape" => {
                let _ = t.set_attribute(ESCAPED, "");
            }
            "Tab" if leaving => {}
            "Tab" if !e.shift_key() => {
                e.prevent_default();
                insert(&t, "  ");
                on_edit.emit(t.value());
            }
            "Enter" => {
                // Keep the current line's indentation.
                let value = t.value();
                let at = t.selection_start().ok().flatten().unwrap_or(0) as usize;
                let prefix: String = value.chars().take(at).collect();
                let line = prefix.rsplit('\n').next().unwrap_or("");
                let indent: String = line.chars().take_while(|c| *c == ' ').collect();
                let extra = if line.trim_end().ends_with(':') { "  " } else { "" };
                e.prevent_default();
                insert(&t, &format!("\n{indent}{extra}"));
                on_edit.emit(t.value());
            }
            _ => {}
        }
    })
}

// The editor's parts are plain view functions, not components: each Yew
// component costs the playground's first load its own machinery (about a
// kilobyte gzipped), and these have no state of their own.
struct CompletionsProps {
    lang: crate::lessons::Lang,
    completions: Rc<[podplay_core::hover::Completion]>,
    on_complete: Callback<String>,
}

/// The field names that can be typed at the cursor (the first twelve).
fn completions(props: &CompletionsProps) -> Html {
    html! {
        <ul class="completions" aria-label={props.lang.t("Fields you can write here", "这里可以写的字段")}>
            { for props.completions.iter().take(12).map(|c| {
                let name = c.name.clone();
                let pick = props.on_complete.reform(move |_: MouseEvent| name.clone());
                html! {
                    <li><button onclick={pick} title={c.summary.clone()}>
                        <code>{ c.name.clone() }</code>
                        <span class="type">{ format!(" <{}>{}", c.type_name, if c.required { " -required-" } else { "" }) }</span>
                    </button></li>
                }
            }) }
        </ul>
    }
}

struct FieldDocsProps {
    lang: crate::lessons::Lang,
    hover: Option<Rc<podplay_core::hover::Hover>>,
    docs: DocsState,
}

/// The docs of the field under the cursor, or why they are not there yet.
fn field_docs(props: &FieldDocsProps) -> Html {
    html! {
        <aside class="docs" aria-live="polite" aria-label={props.lang.t("Field docs", "字段文档")}>
            { match &props.hover {
                Some(h) => html! {
                    <>
                        <p class="docs-title"><code>{ h.path.clone() }</code>{ format!(" <{}>{}", h.type_name, if h.required { " -required-" } else { "" }) }</p>
                        <p class="docs-text">{ match (&props.docs, h.description.is_empty()) {
                            (_, false) => h.description.clone(),
                            (DocsState::Missing | DocsState::Loading, true) => props.lang.t("Loading the field docs…", "正在加载字段文档…").to_string(),
                            (DocsState::Failed(e), true) => format!("{} ({e})", props.lang.t("The field docs could not be loaded", "字段文档加载失败")),
                            (DocsState::Ready, true) => props.lang.t("(no description)", "（无说明）").to_string(),
                        } }</p>
                        <p class="docs-more">{ format!("podplay explain {}", h.query) }</p>
                    </>
                },
                None => html! { <p class="docs-text">{ props.lang.t("Put the cursor on a field to read its documentation.", "把光标放在字段上即可查看它的文档。") }</p> },
            } }
        </aside>
    }
}

struct DiagnosticsProps {
    lang: crate::lessons::Lang,
    diagnostics: Rc<[Diagnostic]>,
    /// A diagnostic was clicked: its offset in the text (UTF-16 units).
    on_jump: Callback<u32>,
}

/// The problems in the text, each a button that moves the cursor there.
fn diagnostics(props: &DiagnosticsProps) -> Html {
    let list: Html = props
        .diagnostics
        .iter()
        .map(|d| {
            let offset = d.offset;
            let kind = if d.warning { "warning" } else { "error" };
            html! {
                <li class={kind}>
                    <button class="diagnostic" onclick={props.on_jump.reform(move |_: MouseEvent| offset)} title="Move the cursor there">
                        <span class="where">{ format!("{}:{}", d.line, d.column) }</span>
                        { if d.path.is_empty() { html!{} } else { html!{ <code>{ d.path.clone() }</code> } } }
                        <span class="message">{ d.message.clone() }</span>
                        { for d.hint.iter().map(|h| html!{ <span class="hint">{ format!(" ({h})") }</span> }) }
                    </button>
                </li>
            }
        })
        .collect();
    html! {
        <ul class="diagnostics" aria-live="polite" aria-label={props.lang.t("Problems", "问题")}>
            { if props.diagnostics.is_empty() { html!{ <li class="ok">{ props.lang.t("No problems: the API server would accept this.", "没有问题：API Server 会接受它。") }</li> } } else { list } }
        </ul>
    }
}

/// Inserts text at the cursor, replacing the selection.
fn insert(t: &HtmlTextAreaElement, text: &str) {
    let start = t.selection_start().ok().flatten().unwrap_or(0);
    let end = t.selection_end().ok().flatten().unwrap_or(start);
    let _ = t.set_range_text_with_start_and_end(text, start, end);
    let at = start + text.encode_utf16().count() as u32;
    let _ = t.set_selection_range(at, at);
}
