//! Correlation rules: patterns across one mailbox's findings that say more
//! than any single finding does.
//!
//! Each rule is a plain function from the mailbox's not-yet-explained findings
//! to an optional [`Claim`]. They run in [`RULES`] order and each sees only what
//! the ones before it left, so a finding is explained once, by the most
//! specific rule that fits. Wording is kept short and factual; the generic
//! knowledge-base fallback lives in `correlate`.

use crate::kb::{Direction, Entry, KnowledgeBase};
use crate::model::{Finding, Transient};

use super::resolve;
use super::root::{Confidence, RootCause, Verdict, iso_seconds};
use super::signals::{contains_ci, direction, http_status};

/// The not-yet-explained findings of one mailbox, in input order.
pub(crate) struct Group<'a> {
    /// The mailbox as first written, `None` for findings that name none.
    pub mailbox: Option<&'a str>,
    pub findings: Vec<&'a Finding>,
}

/// A rule's conclusion and the findings (indices into [`Group::findings`]) it
/// explains.
pub(crate) struct Claim {
    pub verdict: Verdict,
    pub taken: Vec<usize>,
}

type Rule = fn(&Group<'_>, &KnowledgeBase) -> Option<Claim>;

/// Most specific first.
pub(crate) const RULES: &[Rule] =
    &[not_a_mailbox, hybrid_profile_401, invalid_license, throttled, ews_retirement, transient_repeats];

/// The id of the EWS retirement rule, whose reach across mailboxes is itself
/// evidence.
const EWS_RETIREMENT: &str = "ews-retirement-403";

impl Group<'_> {
    fn indices(&self, keep: impl Fn(&Finding) -> bool) -> Vec<usize> {
        (0..self.findings.len()).filter(|&i| keep(self.findings[i])).collect()
    }

    fn pick(&self, taken: &[usize]) -> impl Iterator<Item = &Finding> {
        taken.iter().filter_map(|&i| self.findings.get(i).copied())
    }
}

/// Does the finding resolve to the knowledge-base entry `code`?
fn is(f: &Finding, kb: &KnowledgeBase, code: &str) -> bool {
    resolve(f, kb).is_some_and(|e| e.code.eq_ignore_ascii_case(code))
}

fn on_premises_profile(name: &str) -> bool {
    ["hybrid", "on-prem", "on prem", "onprem", "exchange server"].iter().any(|w| contains_ci(name, w))
}

fn online_profile(name: &str) -> bool {
    !on_premises_profile(name)
        && ["online", "office 365", "microsoft 365"].iter().any(|w| contains_ci(name, w))
}

fn first_profile<'a>(findings: impl Iterator<Item = &'a Finding>) -> Option<&'a str> {
    findings.filter_map(|f| f.profile.as_deref()).next()
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

fn claim(taken: Vec<usize>, verdict: Verdict) -> Option<Claim> {
    Some(Claim { verdict, taken })
}

fn steps(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| (*s).to_owned()).collect()
}

/// Receive fails with ErrorNonExistentMailbox and send with "SendOnly cannot be
/// used by a user without a mailbox": the address leads to no mailbox. Three
/// causes produce the pair; the profile name and any group wording tell which
/// to check first.
fn not_a_mailbox(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
    let missing =
        g.indices(|f| is(f, kb, "ErrorNonExistentMailbox") && direction(f) != Some(Direction::Send));
    let invalid = g.indices(|f| is(f, kb, "ErrorInvalidOperation"));
    const SEND_ONLY: &str = "SendOnly cannot be used by a user without a mailbox";
    let send_only = g.pick(&invalid).any(|f| f.message.as_deref().is_some_and(|m| contains_ci(m, SEND_ONLY)));
    let sending = g.pick(&invalid).any(|f| direction(f) == Some(Direction::Send));
    if missing.is_empty() || !(send_only || sending) {
        return None;
    }
    let receiving = g.pick(&missing).any(|f| direction(f) == Some(Direction::Receive));
    let mut evidence = vec![if receiving {
        "ErrorNonExistentMailbox when receiving email".to_owned()
    } else {
        "ErrorNonExistentMailbox: Exchange found no mailbox for the address".to_owned()
    }];
    evidence.push(if send_only {
        format!("message mentions \"{SEND_ONLY}\"")
    } else {
        "ErrorInvalidOperation when sending email".to_owned()
    });
    if let Some(m) = g.mailbox {
        evidence.push(format!("both for the mailbox \"{m}\""));
    }
    let mut taken = [missing, invalid].concat();
    taken.sort_unstable();
    let profile = first_profile(g.pick(&taken));
    let group_words =
        g.findings.iter().any(|f| f.message.as_deref().is_some_and(|m| contains_ci(m, "distribution group")));
    let check = "Look the address up in Exchange: Get-Recipient <address> | ft Name,RecipientTypeDetails,PrimarySmtpAddress. What it shows tells the three causes apart.";
    let on_prem = "If Exchange Online shows a MailUser, the mailbox lives on-premises: create an Exchange Server (Hybrid) email server profile for the on-premises EWS endpoint and set it on this mailbox record (or move the mailbox to Exchange Online).";
    let group = "If it shows a distribution group or a contact, nothing can be stored or sent there: give the user or queue a real mailbox address (a shared mailbox suits a queue).";
    let wrong = "If nothing has that address, the record is wrong: correct the email address on the user or queue record to the mailbox's primary SMTP address.";
    let retest = "Run Test & Enable Mailbox on the record.";
    let (likely, order) = match profile {
        Some(p) if online_profile(p) => {
            evidence.push(format!(
                "profile \"{p}\" is an Exchange Online profile: check for an on-premises mailbox first"
            ));
            ("an on-premises mailbox on an Exchange Online profile", [on_prem, group, wrong])
        }
        _ if group_words => {
            evidence.push("a message mentions a distribution group".to_owned());
            ("a distribution group", [group, wrong, on_prem])
        }
        _ => ("a wrong address on the mailbox record", [wrong, group, on_prem]),
    };
    let mut fix = vec![check.to_owned()];
    fix.extend(order.iter().map(|s| (*s).to_owned()));
    fix.push(retest.to_owned());
    claim(
        taken,
        Verdict {
            id: "not-a-mailbox".to_owned(),
            title: format!("The mailbox's address leads to no mailbox in Exchange (most likely {likely})"),
            kb_code: Some("ErrorNonExistentMailbox".to_owned()),
            transient: Transient::No,
            confidence: Confidence::High,
            evidence,
            fix,
        },
    )
}

/// HTTP 401 for a mailbox whose profile is named for Exchange Server or Hybrid:
/// the usual reason is a mailbox that has moved to Exchange Online.
fn hybrid_profile_401(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
    let taken = g.indices(|f| http_status(f) == Some(401) || is(f, kb, "Unauthorized"));
    if taken.is_empty() {
        return None;
    }
    let profile = first_profile(g.pick(&taken))
        .or_else(|| first_profile(g.findings.iter().copied()))
        .filter(|p| on_premises_profile(p))?;
    let hybrid = contains_ci(profile, "hybrid");
    let mut evidence = vec![
        format!("HTTP 401 Unauthorized ({})", plural(taken.len(), "finding")),
        format!("profile \"{profile}\" is named as an on-premises or Hybrid profile"),
    ];
    let cloud = g.findings.iter().any(|f| {
        let text = |s: &str| contains_ci(s, "office365.com") || contains_ci(s, "exchange online");
        f.message.as_deref().is_some_and(text) || f.details.values().any(|v| text(v))
    });
    if cloud {
        evidence.push("the request went to Exchange Online".to_owned());
    }
    claim(
        taken,
        Verdict {
            id: "hybrid-profile-for-online-mailbox".to_owned(),
            title: "An Exchange Server (Hybrid) profile is used for a mailbox that is in Exchange Online"
                .to_owned(),
            kb_code: Some("Unauthorized".to_owned()),
            transient: Transient::No,
            confidence: if hybrid { Confidence::High } else { Confidence::Medium },
            evidence,
            fix: steps(&[
                "Confirm the mailbox is in Exchange Online: Get-Mailbox <address> in Exchange Online PowerShell returns it.",
                "Set the mailbox record's Server Profile to the Microsoft Exchange Online profile (Settings > Email Configuration > Mailboxes).",
                "If the mailbox really is on-premises, the 401 has another cause: check the profile's credentials and the authentication methods of the EWS virtual directory.",
                "Run Test & Enable Mailbox.",
            ]),
        },
    )
}

/// ErrorInvalidLicense, on its own or inside ErrorInternalServerError: a
/// licensing matter, whatever the outer code suggests.
fn invalid_license(g: &Group<'_>, _kb: &KnowledgeBase) -> Option<Claim> {
    const CODE: &str = "ErrorInvalidLicense";
    let carries = |c: Option<&str>| c.is_some_and(|c| c.eq_ignore_ascii_case(CODE));
    let taken = g.indices(|f| carries(Some(&f.code)) || carries(f.inner_code.as_deref()));
    if taken.is_empty() {
        return None;
    }
    let mut evidence = Vec::new();
    if let Some(outer) = g.pick(&taken).find(|f| carries(f.inner_code.as_deref()) && !carries(Some(&f.code)))
    {
        evidence.push(format!("{} carries inner code {CODE}: the outer error is only a wrapper", outer.code));
    } else {
        evidence.push(format!("{CODE} reported directly"));
    }
    let said = g.pick(&taken).find_map(|f| {
        let texts = f.message.iter().chain(f.details.get("InnerErrorMessageText"));
        texts
            .filter_map(|t| {
                ["doesn't have a valid license", "license is invalid"].into_iter().find(|w| contains_ci(t, w))
            })
            .next()
    });
    if let Some(words) = said {
        evidence.push(format!("message mentions \"{words}\""));
    }
    claim(
        taken,
        Verdict {
            id: "no-exchange-online-license".to_owned(),
            title: "The mailbox has no Exchange Online license; this is not a server fault".to_owned(),
            kb_code: Some(CODE.to_owned()),
            transient: Transient::No,
            confidence: Confidence::High,
            evidence,
            fix: steps(&[
                "In the Microsoft 365 admin center, assign the user a license that includes Exchange Online, with the Exchange Online service plan switched on.",
                "If the mailbox only serves a queue, convert it to a shared mailbox instead (Set-Mailbox <address> -Type Shared); it needs no license.",
                "Once the license has applied, run Test & Enable Mailbox.",
            ]),
        },
    )
}

/// ErrorServerBusy with BackOffMilliseconds: EWS throttling, with the wait
/// Exchange asked for.
fn throttled(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
    let taken = g.indices(|f| is(f, kb, "ErrorServerBusy"));
    let backoff = g
        .pick(&taken)
        .filter_map(|f| f.details.get("BackOffMilliseconds")?.trim().parse::<u64>().ok())
        .max()?;
    let wait = duration(backoff);
    let mut ops: Vec<&str> = g.pick(&taken).filter_map(|f| f.operation.as_deref()).collect();
    ops.sort_unstable();
    ops.dedup();
    let ops_said = if ops.is_empty() {
        "the log does not name the throttled operations".to_owned()
    } else {
        format!("throttled operations: {}", ops.join(", "))
    };
    let evidence = vec![
        format!("MessageXml carries BackOffMilliseconds = {backoff} ({wait})"),
        format!("{} from Exchange", plural(taken.len(), "busy response")),
        ops_said.clone(),
    ];
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
fn ews_retirement(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
    let online = |f: &Finding| f.profile.as_deref().is_some_and(online_profile);
    let taken = g.indices(|f| {
        let on_prem = f.profile.as_deref().is_some_and(on_premises_profile);
        let forbidden = http_status(f) == Some(403) || is(f, kb, "Forbidden");
        let retirement = resolve(f, kb).is_some_and(|e: &Entry| e.retirement);
        !on_prem && (forbidden || (retirement && online(f)))
    });
    let first = *g.findings.get(*taken.first()?)?;
    let mut evidence =
        vec![format!("HTTP 403 Forbidden or an EWS-block code ({})", plural(taken.len(), "finding"))];
    evidence.push(match first_profile(g.pick(&taken)) {
        Some(p) if online_profile(p) => format!("profile \"{p}\" is an Exchange Online profile"),
        Some(p) => format!("profile \"{p}\" is not named as on-premises"),
        None => "no profile named: it may be Exchange Online".to_owned(),
    });
    if g.pick(&taken).any(|f| f.message.as_deref().is_some_and(|m| contains_ci(m, "secure connection"))) {
        evidence.push("message mentions \"secure connection\"".to_owned());
    }
    claim(taken, Verdict {
        id: EWS_RETIREMENT.to_owned(),
        title: "Exchange Online refuses EWS for the mailbox or tenant (EWS retirement or an EWS access policy)".to_owned(),
        kb_code: resolve(first, kb).map(|e| e.code.clone()),
        transient: Transient::No,
        confidence: Confidence::Medium,
        evidence,
        fix: steps(&[
            "Check the tenant: Get-OrganizationConfig | fl EwsEnabled,EwsApplicationAccessPolicy,EwsAllowList (an empty EwsEnabled means the tenant has not opted in).",
            "Check the mailbox: Get-CASMailbox <address> | fl EwsEnabled.",
            "Where EWS is still needed, allow it again: Set-OrganizationConfig -EwsEnabled $true or Set-CASMailbox -EwsEnabled $true, and add the application (CRM/* for Dynamics 365) to an allow list; changes take up to 2 hours.",
            "Mind the dates: Exchange Online blocks EWS from 1 October 2026 for tenants that have not opted in, and removes it on 1 April 2027; Kiosk, F1 and F3 licenses lose it from 30 June 2026. Exchange Server on-premises is not affected.",
            "Plan the move of EWS clients to Microsoft Graph.",
        ]),
    })
}

/// Transient errors that keep coming back for one mailbox: server-side
/// synchronization retries them 10 times, 5 minutes apart, then disables the
/// mailbox, so the count seen says how close that is.
fn transient_repeats(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
    let taken = g.indices(|f| resolve(f, kb).is_some_and(|e| e.transient == Transient::Yes));
    if taken.len() < 3 {
        return None;
    }
    let times: Vec<i64> = g.pick(&taken).filter_map(|f| iso_seconds(f.time.as_deref()?)).collect();
    let by_time = times.len() == taken.len();
    let attempts = if by_time { cycles(times) } else { taken.len() };
    if attempts < 3 {
        return None;
    }
    let mut codes: Vec<&str> =
        g.pick(&taken).filter_map(|f| resolve(f, kb)).map(|e| e.code.as_str()).collect();
    let kb_code = most_common(&codes).map(str::to_owned);
    codes.sort_unstable();
    codes.dedup();
    let mut evidence = vec![
        format!("{} of transient {}", plural(taken.len(), "finding"), codes.join(", ")),
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

fn most_common<'a>(codes: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for &c in codes {
        let n = codes.iter().filter(|&&o| o == c).count();
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((c, n));
        }
    }
    best.map(|(c, _)| c)
}

/// Evidence only the whole run can give: a 403 across several mailboxes points
/// at the tenant rather than one mailbox's settings.
pub(crate) fn finish(root: &mut RootCause) {
    if root.id == EWS_RETIREMENT && root.mailboxes.len() >= 2 {
        root.evidence.push(format!(
            "{} mailboxes are refused the same way: a tenant-wide block is likelier than one mailbox's setting",
            root.mailboxes.len()
        ));
    }
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
    fn attempts_five_minutes_apart() {
        assert_eq!(cycles(vec![0, 300, 610, 900]), 4);
        assert_eq!(cycles(vec![0, 10, 20, 300]), 2);
    }

    #[test]
    fn profile_wording() {
        assert!(on_premises_profile("Fabrikam Exchange Server (Hybrid)"));
        assert!(online_profile("Contoso Exchange Online"));
        assert!(!online_profile("Exchange Online (Hybrid)"));
    }
}
