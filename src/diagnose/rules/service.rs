//! Rules about how Exchange is behaving: throttling, the EWS retirement in
//! Exchange Online, and transient errors that keep coming back until
//! synchronization gives up on the mailbox.

use crate::kb::KnowledgeBase;
use crate::model::{Shape, Transient};

use super::super::root::Verdict;
use super::super::tally::Bucket;
use super::{
    Claim, EWS_RETIREMENT, Group, Phrase, claim, first_profile, is, on_premises_profile, online_profile,
    plural, steps,
};
use crate::model::Confidence;

/// ErrorServerBusy with BackOffMilliseconds: EWS throttling, with the wait
/// Exchange asked for.
pub(super) fn throttled(g: &Group<'_>, _kb: &KnowledgeBase) -> Option<Claim> {
    let taken = g.indices(|b| is(b, "ErrorServerBusy"));
    let backoff = g.pick(&taken).filter_map(|b| b.backoff).max()?;
    let wait = duration(backoff);
    let mut ops: Vec<&str> = g.pick(&taken).filter_map(|b| b.traits.operation.as_deref()).collect();
    ops.sort_unstable();
    ops.dedup();
    let ops_said = if ops.is_empty() {
        "the log does not name the throttled operations".to_owned()
    } else {
        format!("throttled operations: {}", ops.join(", "))
    };
    let evidence =
        vec![format!("MessageXml carries BackOffMilliseconds = {backoff} ({wait})"), ops_said.clone()];
    let mut fix = vec![format!(
        "Wait at least {wait} (the largest BackOffMilliseconds seen) before the same account calls EWS again."
    )];
    if !ops.is_empty() {
        fix.push(format!("Slow down or batch the calls that were throttled: {}.", ops.join(", ")));
    }
    fix.extend(steps(&[
        "Spread bulk work over time or over more service accounts, and open fewer connections at once.",
        "Server-side synchronization waits and retries by itself; act only if throttling persists over several cycles.",
        "On-premises, review the throttling policy that applies to the account (Get-ThrottlingPolicy); in Exchange Online the budgets are set by Microsoft, so reduce the load instead.",
    ]));
    claim(
        taken,
        Verdict {
            id: "ews-throttled".to_owned(),
            title: format!("Exchange is throttling EWS calls: wait at least {wait} before retrying"),
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

/// HTTP 403 / Forbidden for a mailbox on an Exchange Online (or unnamed)
/// profile: the way the EWS retirement in Exchange Online shows itself. Other
/// entries marked `retirement` count only on a profile named for Exchange
/// Online, since codes such as ErrorAccessDenied have everyday causes too.
pub(super) fn ews_retirement(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
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
        "HTTP 403 Forbidden from the email server".to_owned()
    } else {
        format!("{} is among the errors the EWS retirement produces", first.traits.code)
    }];
    evidence.push(match first_profile(g.pick(&taken)) {
        Some(p) if online_profile(p) => format!("profile \"{p}\" is an Exchange Online profile"),
        Some(p) => format!("profile \"{p}\" is not named as on-premises"),
        None => "no profile named: it may be Exchange Online".to_owned(),
    });
    if g.pick(&taken).any(|b| b.traits.flags.has(Phrase::SecureConnection)) {
        evidence.push("message mentions \"secure connection\"".to_owned());
    }
    claim(taken, Verdict {
        id: EWS_RETIREMENT.to_owned(),
        title: "Exchange Online refuses EWS for the mailbox or tenant (EWS retirement or an EWS access policy)".to_owned(),
        kb_code: first.traits.kb_code.map(str::to_owned),
        transient: Transient::No,
        confidence: Confidence::Medium,
        evidence,
        fix: steps(&[
            "Check the tenant: Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy | fl EwsEnabled,EwsAllowedAppIDs,EwsApplicationAccessPolicy,EwsAllowList (since 1 October 2026 an empty EwsEnabled counts as False).",
            "Check the mailbox: Get-CASMailbox <address> | fl EwsEnabled; EWS works only when both levels are True or empty.",
            "Where EWS is still needed, set Set-OrganizationConfig -EwsEnabled $true (and the mailbox to True or empty), put the application's ID on EwsAllowedAppIDs, and keep CRM/* on any User-Agent allow list; changes take up to 24 hours.",
            "Mind the dates: Kiosk, F1 and F3 licences have lost EWS since 30 June 2026, tenants that had not opted in since 1 October 2026, and EWS in Exchange Online ends on 1 April 2027. Exchange Server on-premises is not affected.",
            "Plan the move of EWS clients to Microsoft Graph.",
        ]),
    })
}

/// Transient errors that keep coming back for one mailbox: server-side
/// synchronization retries them 10 times, 5 minutes apart, then disables the
/// mailbox, so the count seen says how close that is.
pub(super) fn transient_repeats(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
    let taken = g.indices(|b| {
        b.traits.kb_code.and_then(|c| kb.lookup(c)).is_some_and(|e| e.transient == Transient::Yes)
    });
    let findings = g.count(&taken);
    if findings < 3 {
        return None;
    }
    let by_time = g.pick(&taken).all(|b| b.timed == b.count);
    let attempts = if by_time {
        let mut times: Vec<i64> = g.pick(&taken).flat_map(|b| b.times.iter().copied()).collect();
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
    let mut evidence = vec![
        format!("{} of transient {}", plural(findings, "finding"), codes.join(", ")),
        if by_time {
            format!("{attempts} attempts counted from their times, about 5 minutes apart or more")
        } else {
            format!("{attempts} attempts counted by findings (times missing or not ISO-8601)")
        },
    ];
    if g.mailbox.is_none() {
        evidence.push("no mailbox named: the findings may belong to more than one mailbox".to_owned());
    }
    let mut fix = vec![
        "Server-side synchronization retries a transient error up to 10 times, 5 minutes apart, then disables the mailbox as if the error were permanent.".to_owned(),
    ];
    let title = if attempts >= 10 {
        fix.push(format!("{attempts} attempts are seen: the mailbox has probably been disabled already."));
        format!(
            "A transient error repeated {attempts} times: synchronization has likely disabled the mailbox"
        )
    } else {
        let left = 10 - attempts;
        fix.push(format!(
            "{attempts} of 10 attempts are seen: about {left} remain, roughly {} minutes.",
            left * 5
        ));
        format!(
            "A transient error keeps repeating: {attempts} of 10 attempts used before the mailbox is disabled"
        )
    };
    fix.extend(steps(&[
        "Find out why it persists: Service health in the Microsoft 365 admin center, or the Exchange server and its databases on-premises.",
        "Once it clears, run Test & Enable Mailbox if the mailbox was disabled.",
    ]));
    claim(
        taken,
        Verdict {
            id: "transient-repeats".to_owned(),
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
