//! One glossary for the words the lessons and the interface use for
//! Kubernetes' and Linux's terms, in English and in 中文. The 中文 follows
//! the source notes on Pods (they write "Infra 容器", "Init Container",
//! "sidecar", "Volume", "Namespace"), so that a learner reading both meets
//! one word for one thing. A test holds every Chinese text in the crate to
//! it.

/// A term and its one translation, with the words it must not be given.
pub struct Term {
    pub en: &'static str,
    pub zh: &'static str,
    /// Other translations in use elsewhere, which this crate does not use.
    pub not: &'static [&'static str],
}

pub const TERMS: &[Term] = &[
    Term { en: "Pod", zh: "Pod", not: &["容器组", "豆荚"] },
    Term { en: "container", zh: "容器", not: &[] },
    Term { en: "infra container", zh: "Infra 容器", not: &["infra 容器", "基础容器", "基础设施容器"] },
    Term { en: "init container", zh: "Init Container", not: &["Init 容器", "init 容器", "初始化容器"] },
    Term { en: "sidecar", zh: "sidecar", not: &["边车"] },
    Term { en: "volume", zh: "Volume", not: &["卷", "存储卷", "数据卷"] },
    Term { en: "namespace", zh: "Namespace", not: &["命名空间", "名字空间", "名称空间"] },
    Term { en: "node", zh: "节点", not: &["结点"] },
    Term { en: "scheduler", zh: "调度器", not: &[] },
    Term { en: "image", zh: "镜像", not: &["映像"] },
    Term { en: "ready", zh: "就绪", not: &[] },
    Term { en: "probe", zh: "探针", not: &[] },
    Term { en: "hook", zh: "钩子", not: &[] },
    Term { en: "grace period", zh: "宽限期", not: &[] },
    Term { en: "data flow", zh: "数据流", not: &[] },
    Term { en: "restart policy", zh: "重启策略", not: &[] },
    Term { en: "memory limit", zh: "内存限制", not: &[] },
];

/// The terms that a text in English uses and that 中文 says differently:
/// what a lesson shows beside its task.
pub fn used_in<'a>(texts: &'a [&'a str]) -> impl Iterator<Item = &'static Term> + 'a {
    TERMS.iter().filter(move |t| {
        !t.en.eq_ignore_ascii_case(t.zh) && texts.iter().any(|text| text.to_ascii_lowercase().contains(t.en))
    })
}

#[cfg(test)]
mod tests {
    use super::TERMS;

    #[test]
    fn a_lesson_lists_the_terms_it_uses() {
        // Words 中文 writes as English ("Volume", "Init Container") need no line.
        let used: Vec<&str> =
            super::used_in(&["The Init container copies into a Volume", "the image of a Pod"]).map(|t| t.zh).collect();
        assert_eq!(used, ["容器", "镜像"]);
    }

    /// Every source file of the crate but this one (a test checks the list).
    const SOURCES: &[(&str, &str)] = &[
        ("app.rs", include_str!("app.rs")),
        ("breakage.rs", include_str!("breakage.rs")),
        ("browser.rs", include_str!("browser.rs")),
        ("examples.rs", include_str!("examples.rs")),
        ("highlight.rs", include_str!("highlight.rs")),
        ("lessons.rs", include_str!("lessons.rs")),
        ("run.rs", include_str!("run.rs")),
        ("state.rs", include_str!("state.rs")),
        ("transitions.rs", include_str!("transitions.rs")),
        ("work.rs", include_str!("work.rs")),
        ("wire.rs", include_str!("wire.rs")),
        ("simulator/mod.rs", include_str!("simulator/mod.rs")),
        ("simulator/page.rs", include_str!("simulator/page.rs")),
        ("simulator/server.rs", include_str!("simulator/server.rs")),
        ("bin/podplay-worker.rs", include_str!("bin/podplay-worker.rs")),
        ("markup.rs", include_str!("markup.rs")),
        ("lib.rs", include_str!("lib.rs")),
        ("main.rs", include_str!("main.rs")),
        ("components/mod.rs", include_str!("components/mod.rs")),
        ("components/code_view.rs", include_str!("components/code_view.rs")),
        ("components/editor.rs", include_str!("components/editor.rs")),
        ("components/header.rs", include_str!("components/header.rs")),
        ("components/instant.rs", include_str!("components/instant.rs")),
        ("components/panels.rs", include_str!("components/panels.rs")),
        ("components/picture.rs", include_str!("components/picture.rs")),
        ("components/timeline.rs", include_str!("components/timeline.rs")),
    ];

    #[test]
    fn every_chinese_text_uses_the_glossarys_words() {
        for (file, text) in SOURCES {
            for term in TERMS {
                for word in term.not {
                    assert!(
                        !text.contains(word),
                        "{file} says {word:?} where the glossary says {:?} ({})",
                        term.zh,
                        term.en
                    );
                }
            }
        }
    }

    #[test]
    fn the_glossary_lists_every_source_file() {
        let listed: Vec<&str> = SOURCES.iter().map(|(f, _)| *f).collect();
        for dir in ["src", "src/components", "src/simulator", "src/bin"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for entry in std::fs::read_dir(path).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                let file = match dir.strip_prefix("src/") {
                    None => name.clone(),
                    Some(sub) => format!("{sub}/{name}"),
                };
                if name.ends_with(".rs") && name != "glossary.rs" {
                    assert!(listed.contains(&file.as_str()), "{file} is not checked against the glossary");
                }
            }
        }
    }
}
