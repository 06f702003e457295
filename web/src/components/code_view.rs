//! What the editor draws around its textarea, by hand rather than through
//! Yew: the highlighted copy of the text under it and the line numbers
//! beside it. Only the lines in view (and a margin) are drawn, and a
//! keystroke redraws only the lines it changed, so that typing into a
//! document of thousands of lines costs what typing into a short one does.

use std::collections::BTreeSet;
use std::ops::Range;

use web_sys::{Element, HtmlTextAreaElement};

/// Lines drawn above and below those in view, so that scrolling shows
/// drawn lines while the next ones are drawn.
const MARGIN: usize = 60;

/// The editor's parts: the textarea, the highlight under it, the gutter.
pub struct View {
    pub textarea: HtmlTextAreaElement,
    pub highlight: Element,
    pub gutter: Element,
}

/// What is on screen.
#[derive(Default)]
pub struct Drawn {
    /// The text and the lines with errors, as last given.
    text: String,
    marks: BTreeSet<u32>,
    /// The first line drawn (0-based) and the lines drawn from it.
    first: usize,
    lines: Vec<String>,
    /// The gutter's lines, the document's length and the marks it shows.
    gutter: Option<(Range<usize>, usize, BTreeSet<u32>)>,
    /// Where the textarea is scrolled, how high it is and its line height,
    /// as of its last scroll or change in the number of lines (which may
    /// change its height): reading them after every keystroke would make
    /// the browser lay the page out there and then.
    viewport: Option<(i32, i32, f64)>,
    /// How many lines the text had.
    total: usize,
    /// Where the highlight and the gutter were last scrolled to: setting
    /// it again after a keystroke's changes would also make the browser
    /// lay the page out there and then.
    scrolled_to: Option<i32>,
}

impl Drawn {
    /// A new text or new marks: draws what changed.
    pub fn update(&mut self, view: &View, text: &str, marks: &BTreeSet<u32>) {
        if self.text != text {
            self.text = text.to_string();
        }
        if &self.marks != marks {
            self.marks = marks.clone();
        }
        self.draw(view);
    }

    /// The textarea scrolled: the highlight and gutter follow it, and the
    /// lines coming into view are drawn.
    pub fn scrolled(&mut self, view: &View) {
        view.highlight.set_scroll_left(view.textarea.scroll_left());
        self.viewport = None;
        self.draw(view);
    }

    fn draw(&mut self, view: &View) {
        let text = std::mem::take(&mut self.text);
        let all: Vec<&str> = text.split('\n').collect();
        if all.len() != self.total {
            self.total = all.len();
            self.viewport = None;
        }
        let (scroll_top, height, line_px) = *self.viewport.get_or_insert_with(|| {
            (view.textarea.scroll_top(), view.textarea.client_height(), line_height(&view.textarea))
        });
        let range = window(scroll_top, height, line_px, all.len());
        let Some(lines) = child(&view.highlight) else { return };
        let redrawn = range.start != self.first || lines.child_element_count() as usize != self.lines.len();
        if redrawn {
            lines.set_inner_html("");
            self.lines.clear();
            self.first = range.start;
            let _ = lines.set_attribute("style", &format!("padding-top:{}px", pixels(range.start, line_px)));
        }
        patch(&lines, &mut self.lines, &all[range.clone()]);
        let gutter = Some((range.clone(), all.len(), self.marks.clone()));
        if self.gutter != gutter {
            if let Some(numbers) = child(&view.gutter) {
                numbers.set_inner_html(&gutter_markup(range.clone(), &self.marks));
                // Below the gutter's own top padding, as the text is below the
                // textarea's.
                let top = pixels(range.start, line_px);
                let _ = numbers.set_attribute("style", &format!("padding-top:calc(.5rem + {top}px)"));
            }
            self.gutter = gutter;
        }
        drop(all);
        self.text = text;
        // After drawing, so that the drawn lines are there to scroll to.
        if redrawn || self.scrolled_to != Some(scroll_top) {
            view.highlight.set_scroll_top(scroll_top);
            view.gutter.set_scroll_top(scroll_top);
            self.scrolled_to = Some(scroll_top);
        }
    }
}

/// The lines to draw: those in view of a textarea scrolled `scroll_top`
/// pixels down and `height` high, and `MARGIN` more each way.
pub fn window(scroll_top: i32, height: i32, line_px: f64, total: usize) -> Range<usize> {
    let line_px = if line_px > 0.0 { line_px } else { 21.0 };
    let top = (scroll_top.max(0) as f64 / line_px) as usize;
    let seen = (height.max(0) as f64 / line_px).ceil() as usize + 1;
    let first = top.saturating_sub(MARGIN).min(total);
    let end = (top + seen + MARGIN).min(total);
    first..end.max(first)
}

/// The height of `lines` lines, in whole pixels. (Integers in the markup:
/// formatting a float would bring the float formatter into the page's
/// download, some 15 KB.)
fn pixels(lines: usize, line_px: f64) -> i64 {
    (lines as f64 * line_px).round() as i64
}

/// The textarea's line height in pixels (its CSS `line-height`).
fn line_height(textarea: &HtmlTextAreaElement) -> f64 {
    web_sys::window()
        .and_then(|w| w.get_computed_style(textarea).ok().flatten())
        .and_then(|style| style.get_property_value("line-height").ok())
        .and_then(|h| css_pixels(&h))
        .unwrap_or(21.0)
}

/// A CSS length in pixels (`21px`, `22.5px`), read without the float
/// parser (for the same reason as [`pixels`]).
fn css_pixels(length: &str) -> Option<f64> {
    let number = length.trim().strip_suffix("px")?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let mut value = whole.parse::<u32>().ok()? as f64;
    let mut scale = 0.1;
    for digit in fraction.chars() {
        value += digit.to_digit(10)? as f64 * scale;
        scale /= 10.0;
    }
    Some(value)
}

/// The element `parent` draws into (its only child, made on first use).
fn child(parent: &Element) -> Option<Element> {
    if let Some(existing) = parent.first_element_child() {
        return Some(existing);
    }
    let made = parent.owner_document()?.create_element("div").ok()?;
    parent.append_child(&made).ok()?;
    Some(made)
}

/// Replaces the lines of `into` that differ from `lines` (`drawn`: what it
/// shows now, one `<span>` each).
fn patch(into: &Element, drawn: &mut Vec<String>, lines: &[&str]) {
    let (start, end) = crate::highlight::unchanged_ends(drawn, lines);
    let spans = into.children();
    for _ in start..drawn.len() - end {
        if let Some(old) = spans.item(start as u32) {
            old.remove();
        }
    }
    let markup: String = lines[start..lines.len() - end].iter().map(|l| crate::highlight::line_markup(l)).collect();
    let _ = match spans.item(start as u32) {
        Some(next) if end > 0 => next.insert_adjacent_html("beforebegin", &markup),
        _ => into.insert_adjacent_html("beforeend", &markup),
    };
    drawn.splice(start..drawn.len() - end, lines[start..lines.len() - end].iter().map(|l| l.to_string()));
}

/// The line numbers of `range` (0-based lines), those with errors marked.
fn gutter_markup(range: Range<usize>, marks: &BTreeSet<u32>) -> String {
    let mut markup = String::with_capacity(range.len() * 28);
    for n in range.start + 1..=range.end {
        if marks.contains(&(n as u32)) {
            markup.push_str(&format!("<div class=\"line error\">✖ {n}</div>"));
        } else {
            markup.push_str(&format!("<div class=\"line\">{n}</div>"));
        }
    }
    markup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_the_lines_in_view_and_a_margin_each_way() {
        // A short text: all of it.
        assert_eq!(window(0, 600, 21.0, 46), 0..46);
        // 5,000 lines scrolled to line 1,000, 30 lines in view.
        assert_eq!(window(21_000, 630, 21.0, 5000), 940..1091);
        // At the end, and scrolled past what there is.
        assert_eq!(window(21 * 4990, 630, 21.0, 5000), 4930..5000);
        assert_eq!(window(i32::MAX, 630, 21.0, 10), 10..10);
        assert_eq!(window(-5, -1, 0.0, 3), 0..3);
    }

    #[test]
    fn line_heights_are_read_and_heights_are_whole_pixels() {
        assert_eq!(css_pixels("21px"), Some(21.0));
        assert_eq!(css_pixels("22.5px"), Some(22.5));
        assert_eq!(css_pixels("normal"), None);
        assert_eq!(css_pixels("1e3px"), None);
        assert_eq!(pixels(1000, 22.5), 22_500);
        assert_eq!(pixels(3, 20.3), 61);
    }

    #[test]
    fn the_gutter_marks_the_lines_with_errors() {
        let marks = BTreeSet::from([3]);
        assert_eq!(gutter_markup(1..3, &marks), "<div class=\"line\">2</div><div class=\"line error\">✖ 3</div>");
    }
}
