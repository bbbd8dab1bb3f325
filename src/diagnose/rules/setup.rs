//! Rules about how a mailbox is set up: an address that is not a mailbox, a
//! profile of the wrong kind, a missing license. None of these clear by
//! waiting; each names what to change.

use crate::kb::{Direction, KnowledgeBase};
use crate::model::Transient;

use super::super::root::{Confidence, Verdict};
use super::super::signals::{contains_ci, direction, http_status};
use super::{Claim, Group, claim, first_profile, is, on_premises_profile, online_profile, steps};

/// Receive fails with ErrorNonExistentMailbox and send with "SendOnly cannot be
/// used by a user without a mailbox": the address leads to no mailbox. Three
/// causes produce the pair; the profile name and any group wording tell which
/// to check first.
pub(super) fn not_a_mailbox(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
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
pub(super) fn hybrid_profile_401(g: &Group<'_>, kb: &KnowledgeBase) -> Option<Claim> {
    let taken = g.indices(|f| http_status(f) == Some(401) || is(f, kb, "Unauthorized"));
    if taken.is_empty() {
        return None;
    }
    let profile = first_profile(g.pick(&taken))
        .or_else(|| first_profile(g.findings.iter().copied()))
        .filter(|p| on_premises_profile(p))?;
    let hybrid = contains_ci(profile, "hybrid");
    let mut evidence = vec![
        "HTTP 401 Unauthorized".to_owned(),
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
pub(super) fn invalid_license(g: &Group<'_>, _kb: &KnowledgeBase) -> Option<Claim> {
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
