//! Rules about how a mailbox is set up: an address that is not a mailbox, a
//! profile of the wrong kind, a missing license. None of these clear by
//! waiting; each names what to change.

use crate::kb::{Direction, KnowledgeBase, Part};
use crate::model::Transient;

use super::super::root::Verdict;
use super::super::signals::contains_ci;
use super::super::tally::Bucket;
use super::{
    Claim, Group, LICENSE_WORDS, Phrase, Rule, SEND_ONLY, Words, claim, first_profile, is,
    on_premises_profile, online_profile,
};
use crate::model::Confidence;

/// The address leads to no mailbox.
pub(super) const NOT_A_MAILBOX: Rule = Rule {
    id: "not-a-mailbox",
    says: &[
        (Part::Title, "main", &[]),
        (Part::Evidence, "receiving", &[]),
        (Part::Evidence, "no-mailbox", &[]),
        (Part::Evidence, "send-only", &["phrase"]),
        (Part::Evidence, "sending", &[]),
        (Part::Evidence, "mailbox", &["mailbox"]),
        (Part::Evidence, "online-profile", &["profile"]),
        (Part::Evidence, "group", &[]),
        (Part::Evidence, "likely-on-premises", &[]),
        (Part::Evidence, "likely-group", &[]),
        (Part::Evidence, "likely-wrong-address", &[]),
        (Part::Fix, "check", &[]),
        (Part::Fix, "on-premises", &[]),
        (Part::Fix, "group", &[]),
        (Part::Fix, "wrong-address", &[]),
        (Part::Fix, "retest", &[]),
    ],
    check: not_a_mailbox,
};

/// Receive fails with ErrorNonExistentMailbox and send with "SendOnly cannot be
/// used by a user without a mailbox": the address leads to no mailbox. Three
/// causes produce the pair; the profile name and any group wording tell which
/// to check first.
fn not_a_mailbox(g: &Group<'_>, _kb: &KnowledgeBase, say: &Words<'_>) -> Option<Claim> {
    let missing =
        g.indices(|b| is(b, "ErrorNonExistentMailbox") && b.traits.direction != Some(Direction::Send));
    let invalid = g.indices(|b| is(b, "ErrorInvalidOperation"));
    let send_only = g.pick(&invalid).any(|b| b.traits.flags.has(Phrase::SendOnly));
    let sending = g.pick(&invalid).any(|b| b.traits.direction == Some(Direction::Send));
    if missing.is_empty() || !(send_only || sending) {
        return None;
    }
    let receiving = g.pick(&missing).any(|b| b.traits.direction == Some(Direction::Receive));
    let mut evidence = vec![say.evidence(if receiving { "receiving" } else { "no-mailbox" }, &[])];
    evidence.push(if send_only {
        say.evidence("send-only", &[("phrase", SEND_ONLY)])
    } else {
        say.evidence("sending", &[])
    });
    if let Some(m) = g.mailbox {
        evidence.push(say.evidence("mailbox", &[("mailbox", m)]));
    }
    let mut taken = [missing, invalid].concat();
    taken.sort_unstable();
    let profile = first_profile(g.pick(&taken));
    let group_words = g.buckets.iter().any(|b| b.traits.flags.has(Phrase::DistributionGroup));
    // The likeliest cause is said and checked first; its name is also the
    // name of its fix step and, after `likely-`, of the evidence naming it.
    let (on_prem, group, wrong) = ("on-premises", "group", "wrong-address");
    let order = match profile {
        Some(p) if online_profile(p) => {
            evidence.push(say.evidence("online-profile", &[("profile", p)]));
            [on_prem, group, wrong]
        }
        _ if group_words => {
            evidence.push(say.evidence("group", &[]));
            [group, wrong, on_prem]
        }
        _ => [wrong, group, on_prem],
    };
    evidence.push(say.evidence(&format!("likely-{}", order[0]), &[]));
    let mut fix = vec![say.fix("check", &[])];
    fix.extend(order.iter().map(|step| say.fix(step, &[])));
    fix.push(say.fix("retest", &[]));
    claim(
        taken,
        Verdict {
            id: NOT_A_MAILBOX.id.to_owned(),
            title: say.title("main", &[]),
            kb_code: Some("ErrorNonExistentMailbox".to_owned()),
            transient: Transient::No,
            confidence: Confidence::High,
            evidence,
            fix,
        },
    )
}

/// A Hybrid profile for a mailbox in Exchange Online.
pub(super) const HYBRID_PROFILE_401: Rule = Rule {
    id: "hybrid-profile-for-online-mailbox",
    says: &[
        (Part::Title, "main", &[]),
        (Part::Evidence, "unauthorized", &[]),
        (Part::Evidence, "profile", &["profile"]),
        (Part::Evidence, "cloud", &[]),
        (Part::Fix, "confirm", &[]),
        (Part::Fix, "set-profile", &[]),
        (Part::Fix, "on-premises", &[]),
        (Part::Fix, "retest", &[]),
    ],
    check: hybrid_profile_401,
};

/// HTTP 401 for a mailbox whose profile is named for Exchange Server or Hybrid:
/// the usual reason is a mailbox that has moved to Exchange Online.
fn hybrid_profile_401(g: &Group<'_>, _kb: &KnowledgeBase, say: &Words<'_>) -> Option<Claim> {
    let taken = g.indices(|b| b.traits.http == Some(401) || is(b, "Unauthorized"));
    if taken.is_empty() {
        return None;
    }
    let profile = first_profile(g.pick(&taken))
        .or_else(|| first_profile(g.buckets.iter().copied()))
        .filter(|p| on_premises_profile(p))?;
    let hybrid = contains_ci(profile, "hybrid");
    let mut evidence =
        vec![say.evidence("unauthorized", &[]), say.evidence("profile", &[("profile", profile)])];
    let cloud = g.buckets.iter().any(|b| b.traits.flags.has(Phrase::Cloud));
    if cloud {
        evidence.push(say.evidence("cloud", &[]));
    }
    claim(
        taken,
        Verdict {
            id: HYBRID_PROFILE_401.id.to_owned(),
            title: say.title("main", &[]),
            kb_code: Some("Unauthorized".to_owned()),
            transient: Transient::No,
            confidence: if hybrid { Confidence::High } else { Confidence::Medium },
            evidence,
            fix: ["confirm", "set-profile", "on-premises", "retest"]
                .iter()
                .map(|s| say.fix(s, &[]))
                .collect(),
        },
    )
}

/// No Exchange Online license.
pub(super) const INVALID_LICENSE: Rule = Rule {
    id: "no-exchange-online-license",
    says: &[
        (Part::Title, "main", &[]),
        (Part::Evidence, "wrapped", &["outer", "code"]),
        (Part::Evidence, "direct", &["code"]),
        (Part::Evidence, "message", &["words"]),
        (Part::Fix, "assign", &[]),
        (Part::Fix, "shared", &[]),
        (Part::Fix, "retest", &[]),
    ],
    check: invalid_license,
};

/// ErrorInvalidLicense, on its own or inside ErrorInternalServerError: a
/// licensing matter, whatever the outer code suggests.
fn invalid_license(g: &Group<'_>, _kb: &KnowledgeBase, say: &Words<'_>) -> Option<Claim> {
    const CODE: &str = "ErrorInvalidLicense";
    let carries = |c: Option<&str>| c.is_some_and(|c| c.eq_ignore_ascii_case(CODE));
    // A message saying the license is missing tells the same story under
    // any code (ErrorInternalServerError often carries it alone).
    let says =
        |b: &Bucket| b.traits.flags.has(Phrase::NoValidLicense) || b.traits.flags.has(Phrase::InvalidLicense);
    let taken =
        g.indices(|b| carries(Some(&b.traits.code)) || carries(b.traits.inner_code.as_deref()) || says(b));
    if taken.is_empty() {
        return None;
    }
    let mut evidence = Vec::new();
    if let Some(outer) =
        g.pick(&taken).find(|b| carries(b.traits.inner_code.as_deref()) && !carries(Some(&b.traits.code)))
    {
        evidence.push(say.evidence("wrapped", &[("outer", &outer.traits.code), ("code", CODE)]));
    } else {
        evidence.push(say.evidence("direct", &[("code", CODE)]));
    }
    let said = g.pick(&taken).find_map(|b| {
        let flags = b.traits.flags;
        [(Phrase::NoValidLicense, LICENSE_WORDS[0]), (Phrase::InvalidLicense, LICENSE_WORDS[1])]
            .into_iter()
            .find_map(|(phrase, words)| flags.has(phrase).then_some(words))
    });
    if let Some(words) = said {
        evidence.push(say.evidence("message", &[("words", words)]));
    }
    claim(
        taken,
        Verdict {
            id: INVALID_LICENSE.id.to_owned(),
            title: say.title("main", &[]),
            kb_code: Some(CODE.to_owned()),
            transient: Transient::No,
            confidence: Confidence::High,
            evidence,
            fix: ["assign", "shared", "retest"].iter().map(|s| say.fix(s, &[])).collect(),
        },
    )
}
