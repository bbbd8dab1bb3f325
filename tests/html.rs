//! `--format html`: a page that stands on its own, checked as text and then
//! in a real browser (Chromium, headless) when one is installed. The browser's
//! screenshots are kept under `target/browser/` for review.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn ewsdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ewsdiag"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn page(args: &[&str]) -> String {
    let output = ewsdiag(&[&["scan", "--format", "html"], args].concat());
    String::from_utf8(output.stdout).expect("the page is UTF-8")
}

/// The root cause titles of a scan, most important first, from its JSON summary.
fn root_titles(paths: &[&str]) -> Vec<String> {
    let output = ewsdiag(&[&["scan", "--format", "json"], paths].concat());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    json["summary"]["root_causes"]
        .as_array()
        .expect("root causes")
        .iter()
        .map(|r| r["title"].as_str().expect("a title").to_string())
        .collect()
}

/// How a title stands in the page: HTML-escaped.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[test]
fn the_page_needs_nothing_from_outside_and_no_script() {
    let html = page(&["samples"]);
    let lower = html.to_lowercase();
    assert!(lower.starts_with("<!doctype html>"));
    for banned in
        ["<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href=\"http", "href=\"//"]
    {
        assert!(!lower.contains(banned), "the page holds `{banned}`");
    }
    assert!(html.contains("prefers-color-scheme: dark"), "a dark scheme");
    assert!(html.contains("@media print"), "a print style");
}

#[test]
fn the_page_opens_on_the_root_causes_in_rank_order_then_every_finding() {
    let titles = root_titles(&["samples/correlation"]);
    assert!(titles.len() >= 3);
    let html = page(&["samples/correlation"]);
    let findings_at = html.find(r#"id="findings""#).expect("a findings section");
    let mut last = html.find(r#"id="summary""#).expect("a summary section");
    assert!(last < findings_at, "the summary comes first");
    for title in &titles {
        let at = html[last..].find(&format!("<h3>{}</h3>", escaped(title))).map(|i| i + last);
        let at = at.unwrap_or_else(|| panic!("`{title}` in rank order"));
        assert!(at < findings_at);
        last = at;
    }
    let count = ewsdiag(&["scan", "--format", "ndjson", "samples/correlation"]);
    let findings =
        String::from_utf8_lossy(&count.stdout).lines().filter(|l| l.contains(r#""type":"finding""#)).count();
    assert_eq!(html.matches("<article class=\"finding").count(), findings, "every finding is on the page");
    assert!(html.contains(r#"<mark class="code">"#), "codes are marked in the payloads");
}

#[test]
fn input_text_cannot_inject_markup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.log");
    std::fs::write(
        &path,
        "Email can't be received for the mailbox \"<img src=x onerror=alert(1)>\" because the mailbox record doesn't have a valid email address.\n\nEmail Server Error Code: Exchange server returned ErrorNonExistentMailbox exception.\n",
    )
    .unwrap();
    let html = page(&[path.to_str().unwrap()]);
    assert!(!html.contains("<img"), "the mailbox name is escaped");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn the_page_composes_with_redact() {
    let html = page(&["--redact", "samples/redact"]);
    for secret in ["Lindqvist", "contoso", "fabrikam", "10.20.4.31", "5e9b1c47"] {
        assert!(!html.to_lowercase().contains(&secret.to_lowercase()), "`{secret}` survived");
    }
    assert!(html.contains("mailbox-1"));
}

/// A Chromium-family browser on this machine, if any.
fn browser() -> Option<PathBuf> {
    let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).flat_map(|dir| names.map(|n| dir.join(n))).find(|p| p.is_file())
}

/// Runs the browser headless with `args` and the page `url`, killing it if it
/// hangs; its standard output and error (written to files, so that a large
/// DOM never fills a pipe while the browser is waited for).
fn headless(browser: &Path, profile: &Path, args: &[&str], url: &str) -> (String, String) {
    std::fs::create_dir_all(profile).expect("a folder for the browser");
    let (out, err) = (profile.join("stdout.txt"), profile.join("stderr.txt"));
    let mut child = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.join("profile").display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("a file for the browser's output"))
        .stderr(std::fs::File::create(&err).expect("a file for the browser's log"))
        .spawn()
        .expect("the browser starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("the browser runs").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let read = |path: &Path| String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    (read(&out), read(&err))
}

/// Loads `url` headless and dumps its DOM, recording the browser's network
/// log: the DOM, and every URL the page itself asked for (the browser's own
/// background requests are not the page's).
fn load(browser: &Path, profile: &Path, url: &str) -> (String, Vec<String>) {
    let net_log = profile.join("net-log.json");
    let flag = format!("--log-net-log={}", net_log.display());
    let (dom, _) = headless(browser, profile, &["--dump-dom", &flag], url);
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&net_log).expect("a network log"))
        .expect("the network log is JSON");
    let start_job =
        log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_i64().expect("a known event type");
    let requested = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_i64() == Some(start_job))
        .filter(|e| {
            let params = &e["params"];
            params["initiator"] == "null"
                || params["network_isolation_key"].as_str().is_some_and(|k| k.starts_with("file://"))
        })
        .filter_map(|e| e["params"]["url"].as_str().map(String::from))
        .collect();
    (dom, requested)
}

#[test]
fn a_real_browser_renders_the_report_of_the_samples() {
    let Some(browser) = browser() else {
        let required = std::env::var_os("EWSDIAG_REQUIRE_BROWSER").is_some();
        assert!(!required, "EWSDIAG_REQUIRE_BROWSER is set but no chromium is installed");
        eprintln!("skipped: no chromium on PATH to render the HTML report in (apt-get install chromium)");
        return;
    };
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&out).unwrap();
    let work = tempfile::tempdir().unwrap();

    // The check below can fail: a page that asks for a style sheet is caught.
    let needy = work.path().join("needy.html");
    std::fs::write(
        &needy,
        r#"<!DOCTYPE html><link rel="stylesheet" href="https://ewsdiag.invalid/x.css"><p>hi</p>"#,
    )
    .unwrap();
    let (_, asked) = load(&browser, &work.path().join("needy"), &format!("file://{}", needy.display()));
    assert_eq!(asked, ["https://ewsdiag.invalid/x.css"], "the network log shows what a page asks for");

    let report = out.join("report.html");
    std::fs::write(&report, page(&["samples"])).unwrap();
    let url = format!("file://{}", report.display());
    let (dom, asked) = load(&browser, &work.path().join("report"), &url);
    assert!(asked.is_empty(), "the report asks for nothing, so nothing can fail to load: {asked:?}");
    for title in root_titles(&["samples"]) {
        // The browser writes text back escaping only `&`, `<` and `>`.
        let shown = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        assert!(dom.contains(&shown), "the rendered page shows the root cause `{title}`");
    }
    assert!(dom.contains("What went wrong") && dom.contains("Every finding"));

    for (name, extra) in [("report.png", None), ("report-dark.png", Some("--force-dark-mode"))] {
        let shot = out.join(name);
        let _ = std::fs::remove_file(&shot);
        let mut args =
            vec![format!("--screenshot={}", shot.display()), "--window-size=1200,1800".to_string()];
        args.extend(extra.map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_, log) = headless(&browser, &work.path().join("shots"), &args, &url);
        let png =
            std::fs::read(&shot).unwrap_or_else(|_| panic!("a screenshot at {}:\n{log}", shot.display()));
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is a PNG");
        assert!(png.len() > 20_000, "{name} shows more than a blank page ({} bytes)", png.len());
        eprintln!("kept {} for review", shot.display());
    }
}
