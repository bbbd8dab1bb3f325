//! Rules about how Exchange is behaving: throttling, the EWS retirement in
//! Exchange Online, and transient errors that keep coming back until
//! synchronization gives up on the mailbox.

use crate::kb::{KnowledgeBase, Part};
use crate::model::{Shape, Transient, thousands};

use super::super::root::Verdict;
use super::super::tally::Bucket;
use super::super::times::SPAN;
use super::{
    Claim, EWS_RETIREMENT, Group, Phrase, Rule, Words, claim, first_profile, is, on_premises_profile,
    online_profile, plural,
};
use crate::model::Confidence;

/// EWS throttling.
pub(super) const THROTTLED: Rule = Rule {
    id: "ews-throttled",
    says: &[
        (Part::Title, "main", &["wait"]),
        (Part::Evidence, "back-off", &["back-off", "wait"]),
        (Part::Evidence, "operations", &["operations"]),
        (Part::Evidence, "no-operations", &[]),
        (Part::Fix, "wait", &["wait"]),
        (Part::Fix, "operations", &["operations"]),
        (Part::Fix, "spread", &[]),
        (Part::Fix, "patience", &[]),
        (Part::Fix, "policy", &[]),
    ],
    check: throttled,
};

/// ErrorServerBusy with BackOffMilliseconds: EWS throttling, with the wait
/// Exchange asked for.
fn throttled(g: &Group<'_>, _kb: &KnowledgeBase, say: &Words<'_>) -> Option<Claim> {
    let taken = g.indices(|b| is(b, "ErrorServerBusy"));
    let backoff = g.pick(&taken).filter_map(|b| b.backoff).max()?;
    let wait = duration(backoff);
    let mut ops: Vec<&str> = g.pick(&taken).filter_map(|b| b.traits.operation.as_deref()).collect();
    ops.sort_unstable();
    ops.dedup();
    let operations = ops.join(", ");
    let ops_said = if ops.is_empty() {
        say.evidence("no-operations", &[])
    } else {
        say.evidence("operations", &[("operations", &operations)])
    };
    let evidence =
        vec![say.evidence("back-off", &[("back-off", &backoff.to_string()), ("wait", &wait)]), ops_said];
    let mut fix = vec![say.fix("wait", &[("wait", &wait)])];
    if !ops.is_empty() {
        fix.push(say.fix("operations", &[("operations", &operations)]));
    }
    fix.extend(["spread", "patience", "policy"].iter().map(|s| say.fix(s, &[])));
    claim(
        taken,
        Verdict {
            id: THROTTLED.id.to_owned(),
            title: say.title("main", &[("wait", &wait)]),
            kb_code: Some("ErrorServerBusy".to_owned()),
            transient: Transient::Yes,
            confidence: Confidence::High,
            evidence,
            fix,
        },
    )
}

/// Milliseconds as minutes and seconds, rounded up so the wait is never too
/// short.
fn duration(ms: u64) -> String {
    let secs = ms.div_ceil(1000);
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// The EWS retirement in Exchange Online.
pub(super) const RETIREMENT_403: Rule = Rule {
    id: EWS_RETIREMENT,
    says: &[
        (Part::Title, "main", &[]),
        (Part::Evidence, "forbidden", &[]),
        (Part::Evidence, "retirement-code", &["code"]),
        (Part::Evidence, "online-profile", &["profile"]),
        (Part::Evidence, "other-profile", &["profile"]),
        (Part::Evidence, "no-profile", &[]),
        (Part::Evidence, "secure-connection", &[]),
        // Said by `finish`, once all mailboxes are counted.
        (Part::Evidence, "tenant-wide", &["mailboxes"]),
        (Part::Fix, "tenant", &[]),
        (Part::Fix, "mailbox", &[]),
        (Part::Fix, "allow", &[]),
        (Part::Fix, "dates", &[]),
        (Part::Fix, "graph", &[]),
    ],
    check: ews_retirement,
};

/// HTTP 403 / Forbidden for a mailbox on an Exchange Online (or unnamed)
/// profile: the way the EWS retirement in Exchange Online shows itself. Other
/// entries marked `retirement` count only on a profile named for Exchange
/// Online, since codes such as ErrorAccessDenied have everyday causes too.
fn ews_retirement(g: &Group<'_>, kb: &KnowledgeBase, say: &Words<'_>) -> Option<Claim> {
    let online = |b: &Bucket| b.traits.profile.as_deref().is_some_and(online_profile);
    let taken = g.indices(|b| {
        // Microsoft Graph and Entra sign-in refuse for reasons of their own;
        // a refusal that says why is diagnosed by what it says.
        let graph = matches!(b.traits.shape, Shape::GraphError | Shape::Aadsts);
        let explained = b.traits.flags.has(Phrase::PolicyReason);
        let on_prem = graph || explained || b.traits.profile.as_deref().is_some_and(on_premises_profile);
        let forbidden = b.traits.http == Some(403) || is(b, "Forbidden");
        let retirement = b.traits.kb_code.and_then(|c| kb.lookup(c)).is_some_and(|e| e.retirement);
        !on_prem && (forbidden || (retirement && online(b)))
    });
    let first = *g.buckets.get(*taken.first()?)?;
    // Counts stay out of the evidence: it is merged across mailboxes, and the
    // root cause counts findings itself.
    let mut evidence = vec![if g.pick(&taken).any(|b| b.traits.http == Some(403)) {
        say.evidence("forbidden", &[])
    } else {
        say.evidence("retirement-code", &[("code", &first.traits.code)])
    }];
    evidence.push(match first_profile(g.pick(&taken)) {
        Some(p) if online_profile(p) => say.evidence("online-profile", &[("profile", p)]),
        Some(p) => say.evidence("other-profile", &[("profile", p)]),
        None => say.evidence("no-profile", &[]),
    });
    if g.pick(&taken).any(|b| b.traits.flags.has(Phrase::SecureConnection)) {
        evidence.push(say.evidence("secure-connection", &[]));
    }
    claim(
        taken,
        Verdict {
            id: EWS_RETIREMENT.to_owned(),
            title: say.title("main", &[]),
            kb_code: first.traits.kb_code.map(str::to_owned),
            transient: Transient::No,
            confidence: Confidence::Medium,
            evidence,
            fix: ["tenant", "mailbox", "allow", "dates", "graph"].iter().map(|s| say.fix(s, &[])).collect(),
        },
    )
}

/// Transient errors that keep coming back.
pub(super) const TRANSIENT_REPEATS: Rule = Rule {
    id: "transient-repeats",
    says: &[
        (Part::Title, "disabled", &["attempts"]),
        (Part::Title, "repeating", &["attempts"]),
        (Part::Evidence, "findings", &["findings", "codes"]),
        (Part::Evidence, "by-time", &["attempts"]),
        (Part::Evidence, "by-count", &["attempts"]),
        (Part::Evidence, "no-mailbox", &[]),
        (Part::Fix, "retries", &[]),
        (Part::Fix, "disabled", &["attempts"]),
        (Part::Fix, "remaining", &["attempts", "left", "minutes"]),
        (Part::Fix, "cause", &[]),
        (Part::Fix, "retest", &[]),
    ],
    check: transient_repeats,
};

/// Transient errors that keep coming back for one mailbox: server-side
/// synchronization retries them 10 times, 5 minutes apart, then disables the
/// mailbox, so the count seen says how close that is.
fn transient_repeats(g: &Group<'_>, kb: &KnowledgeBase, say: &Words<'_>) -> Option<Claim> {
    let taken = g.indices(|b| {
        b.traits.kb_code.and_then(|c| kb.lookup(c)).is_some_and(|e| e.transient == Transient::Yes)
    });
    let findings = g.count(&taken);
    if findings < 3 {
        return None;
    }
    let by_time = g.pick(&taken).all(|b| b.timed == b.count);
    let attempts = if by_time {
        // Times kept to ten seconds (a bucket with very many) make all of
        // them count to ten seconds.
        let spans = g.pick(&taken).any(|b| b.times.is_spans());
        let mut times: Vec<i64> = g
            .pick(&taken)
            .flat_map(|b| b.times.seconds())
            .map(|t| if spans { t - t.rem_euclid(SPAN) } else { t })
            .collect();
        times.sort_unstable();
        times.dedup();
        cycles(times)
    } else {
        findings
    };
    if attempts < 3 {
        return None;
    }
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for b in g.pick(&taken) {
        let Some(code) = b.traits.kb_code else { continue };
        match counted.iter_mut().find(|(c, _)| *c == code) {
            Some(n) => n.1 += b.count,
            None => counted.push((code, b.count)),
        }
    }
    let kb_code = most_common(&counted).map(str::to_owned);
    let mut codes: Vec<&str> = counted.iter().map(|(c, _)| *c).collect();
    codes.sort_unstable();
    codes.dedup();
    let n = thousands(attempts as u64);
    let attempts_said = [("attempts", n.as_str())];
    let mut evidence = vec![
        say.evidence("findings", &[("findings", &plural(findings, "finding")), ("codes", &codes.join(", "))]),
        say.evidence(if by_time { "by-time" } else { "by-count" }, &attempts_said),
    ];
    if g.mailbox.is_none() {
        evidence.push(say.evidence("no-mailbox", &[]));
    }
    let mut fix = vec![say.fix("retries", &[])];
    let title = if attempts >= 10 {
        fix.push(say.fix("disabled", &attempts_said));
        say.title("disabled", &attempts_said)
    } else {
        let left = 10 - attempts;
        let (left_said, minutes) = (left.to_string(), (left * 5).to_string());
        fix.push(say.fix("remaining", &[("attempts", &n), ("left", &left_said), ("minutes", &minutes)]));
        say.title("repeating", &attempts_said)
    };
    fix.extend(["cause", "retest"].iter().map(|s| say.fix(s, &[])));
    claim(
        taken,
        Verdict {
            id: TRANSIENT_REPEATS.id.to_owned(),
            title,
            kb_code,
            transient: Transient::Yes,
            confidence: Confidence::Medium,
            evidence,
            fix,
        },
    )
}

/// Distinct synchronization attempts: times closer than 4 minutes to the last
/// counted attempt belong to it (one cycle can log several alerts).
fn cycles(mut times: Vec<i64>) -> usize {
    times.sort_unstable();
    let mut count = 0;
    let mut last: Option<i64> = None;
    for t in times {
        if last.is_none_or(|l| t - l >= 240) {
            count += 1;
            last = Some(t);
        }
    }
    count
}

/// The code counted most often; the first met of the most frequent.
fn most_common<'a>(counts: &[(&'a str, usize)]) -> Option<&'a str> {
    counts.iter().rev().max_by_key(|(_, n)| *n).map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_round_up() {
        assert_eq!(duration(297_749), "4 min 58 s");
        assert_eq!(duration(120_000), "2 min");
        assert_eq!(duration(1), "1 s");
    }

    #[test]
    fn most_common_breaks_ties_by_input_order() {
        assert_eq!(most_common(&[("a", 2), ("b", 2)]), Some("a"));
        assert_eq!(most_common(&[("a", 1), ("b", 2)]), Some("b"));
        assert_eq!(most_common(&[]), None);
    }

    #[test]
    fn attempts_five_minutes_apart() {
        assert_eq!(cycles(vec![0, 300, 610, 900]), 4);
        assert_eq!(cycles(vec![0, 10, 20, 300]), 2);
    }
}
