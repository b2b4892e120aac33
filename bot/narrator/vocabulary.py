"""The words the verifier reads claims with: which words are ordinary prose, which name a system
or a harm, which state a number, a direction, a cause or a piece of advice. Data only; the
rules that use them are in :mod:`bot.narrator.entities` and :mod:`bot.narrator.verifier`."""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "ACTION_VERBS",
    "ADVICE_MARKERS",
    "CAUSAL_MARKERS",
    "COMMON_HYPHENATED",
    "COMMON_WORDS",
    "COMPONENT_TERMS",
    "DOWN_WORDS",
    "FUNCTION_WORDS",
    "GENERIC_CAPITALS",
    "NUMBER_WORDS",
    "REMEDIES",
    "SCALE_WORDS",
    "UP_WORDS",
    "VAGUE_QUANTITIES",
]


def _words(text: str) -> list[str]:
    return text.split()


COMMON_HYPHENATED = frozenset(
    _words(
        """
    on-call oncall follow-up well-known so-called up-to-date long-running short-lived
    newly-deployed re-run re-deploy roll-back rolled-back pre-existing non-zero read-only
    built-in high-confidence low-confidence first-seen error-rate time-out
    """
    )
)

# Words that carry no claim of their own: what a sentence says is in its other words.
FUNCTION_WORDS = frozenset(
    _words(
        """
    a about above after again against all almost along already also although always
    among an and another any anything are around as at be because been before being
    below between both but by can could did do does done during each either else even
    ever every few for from further had has have having he her here hers him his how
    however i if in into is it its itself just least less like likely many may maybe
    might more most much must my neither no nobody none nor not nothing now of off often
    on once one only or other others our out over own per perhaps quite rather same
    several she should since so some something soon still such than that the their them
    then there these they this those though through thus to together too toward under
    unless until up upon us very was we were what whatever when where whether which while
    who whom whose why will with within without would yet you your yes it's there's
    what's that's
    """
    )
)

# Words a sentence may start with (or hold capitalised) without naming anything.
COMMON_WORDS = frozenset(
    _words(
        """
    a about above after again against all almost along already also although always
    among an and another any anything are around as at be because been before being
    below between both but by can could did do does done during each either else even
    ever every evidence few for from further had has have having he her here hers him
    his how however i if in into is it its itself just least less like likely many may
    maybe might more most much must my neither no nobody none nor not nothing now of off
    often on once one only or other others our out over own per perhaps quite rather
    same several she should since so some something soon still such than that the their
    them then there these they this those though through thus to together too toward
    under unless until up upon us very was we were what whatever when where whether
    which while who whom whose why will with within without would yet you your yes first
    second third last next later earlier meanwhile overall instead also finally error
    errors rate rates latency traffic request requests response responses alert alerts
    alarm deploy deploys deployment deployments release releases rollout rollback
    rollbacks change changes commit commits pod pods node container containers restart
    restarts log logs line lines cluster clusters spike spikes metric metrics series
    hypothesis hypotheses confidence cause causes fact facts signal signals incident
    incidents service services warning warnings flag flags feature packet packets
    runbook runbooks action actions step steps check checks the on-call team owner
    owners timeline summary impact resolution duration version versions window time
    times minute minutes hour hours second seconds day days number count percent memory
    status health check new old recent latest previous current other most high higher
    low lower peak baseline rose fell increased dropped regression regressions failure
    failures failed succeeded success page pages run runs verify verified confirm
    confirmed unconfirmed nothing none neither roll scale turn investigate review watch
    consider compare note notes because given based source sources data record records
    evidence code parser payload payloads webhook webhooks event events exception
    exceptions timeout timeouts migration migrations pr fewer
    """
    )
)

# Capitalised tokens that name nothing in particular.
GENERIC_CAPITALS = frozenset(
    _words(
        """
    I UTC PR PRs HTTP HTTPS API APIs URL ID IDs OK E INC SLO SLA P1 P2 P3 Sev Sev1 Sev2
    Sev3 GMT JSON YAML
    """
    )
)

# Systems and harms: naming one is a claim about the incident the cited facts must make too.
COMPONENT_TERMS = (
    "disk", "storage", "volume", "filesystem", "database", "db ", "postgres", "mysql", "redis",
    "kafka", "rabbitmq", "queue", "cache", "memcache", "host", "server", "machine", "node",
    "kernel", "memory", "oom", "cpu", "dns", "certificate", "cert ", "tls", "ssl", "network",
    "firewall", "load balancer", "proxy", "gateway", "cdn", "region", "zone", "datacenter",
    "data center", "upstream", "downstream", "third-party", "third party", "vendor",
    "provider", "stripe", "aws", "gcp", "azure", "connection pool", "connections", "thread",
    "deadlock", "leak", "corrupt", "breach", "attack", "ddos", "hack", "outage", "customer",
    "user", "charged", "charge", "refund", "payment", "revenue", "money", "data loss",
    "lost data", "primary", "replica", "failover", "backup", "quota", "rate limit", "throttl",
    "config", "secret", "credential", "password", "token", "cron", "batch", "job", "lost",
    "resolved", "cleared", "mitigated", "fixed", "yesterday", "tomorrow", "today", "tonight",
    "last night", "this morning", "weekend", "morning", "evening", "night", "retro",
    # Judgements of state: "the error rate is fine" says what no measurement here says.
    "fine", "healthy", "stable", "harmless", "benign", "under control", "nothing to worry",
    "no impact", "unaffected", "false alarm", "false positive", "glitch", "flaky", "noise",
    "as expected", "working correctly", "working fine", "working normally",
)  # fmt: skip

NUMBER_WORDS: dict[str, Decimal] = {
    word: Decimal(value)
    for value, word in enumerate(
        _words(
            """
        zero one two three four five six seven eight nine ten eleven twelve thirteen
        fourteen fifteen sixteen seventeen eighteen nineteen
        """
        )
    )
}
NUMBER_WORDS.update(
    {
        word: Decimal(value)
        for word, value in (
            ("twenty", 20), ("thirty", 30), ("forty", 40), ("fifty", 50), ("sixty", 60),
            ("seventy", 70), ("eighty", 80), ("ninety", 90), ("dozen", 12), ("twice", 2),
            ("double", 2), ("triple", 3), ("half", Decimal("0.5")), ("single", 1),
        )
    }
)  # fmt: skip
SCALE_WORDS: dict[str, Decimal] = {
    "hundred": Decimal(100),
    "thousand": Decimal(1000),
    "million": Decimal(1_000_000),
    "billion": Decimal(1_000_000_000),
}
VAGUE_QUANTITIES = (
    "hundreds", "thousands", "millions", "billions", "dozens", "countless", "scores of",
    "all customers", "every customer", "all users", "every user", "majority", "most customers",
)  # fmt: skip

UP_WORDS = (
    "rose", "rise", "rising", "risen", "increase", "increased", "increasing", "spiked",
    "spiking", "climbed", "climbing", "jumped", "grew", "growing", "went up", "goes up",
    "surged", "doubled", "tripled", "soared", "worsened", "degraded", "higher",
)  # fmt: skip
DOWN_WORDS = (
    "fell", "fall", "falling", "fallen", "dropped", "drop", "dropping", "decrease",
    "decreased", "decreasing", "declined", "declining", "went down", "goes down", "shrank",
    "halved", "recovered", "improved", "eased", "subsided", "lower", "normalized",
    "returned to normal", "fewer", "back to normal", "normal again", "recovering",
)  # fmt: skip

CAUSAL_MARKERS = (
    "caused", "causing", "causes", "cause of", "because", "due to", "led to", "leads to",
    "lead to", "resulted in", "result of", "results in", "triggered", "triggering",
    "responsible for", "root cause", "broke", "broken by", "behind the", "blame", "attributable",
    "stems from", "stemmed from", "originated", "the culprit", "introduced",
)  # fmt: skip

# Words that make a sentence advice: it tells someone to do something.
ADVICE_MARKERS = (
    "should", "must", "need to", "needs to", "have to", "has to", "recommend", "suggest",
    "advise", "consider", "try ", "please", "immediately", "right away", "asap", "now,",
    "go ahead", "make sure", "ensure", "it is best", "it would be best", "next step", "let's",
    "on-call can", "you can", "we can", "someone should",
)  # fmt: skip

# Action verbs (stems) an advice sentence may use only when a suggested step uses them too.
ACTION_VERBS = (
    "roll back", "rollback", "revert", "restart", "reboot", "redeploy", "deploy", "scale",
    "page", "escalate", "call", "notify", "wake", "delete", "remove", "drop", "truncate",
    "drain", "cordon", "kill", "terminate", "shut", "disable", "enable", "turn off", "turn on",
    "flush", "purge", "clear", "failover", "fail over", "promote", "pause", "suspend",
    "resume", "run", "execute", "apply", "patch", "edit", "increase", "raise", "lower",
    "block", "unblock", "rotate", "revoke", "refund", "email", "announce", "tell", "ask",
    "open", "close", "resolve", "declare", "check", "verify", "watch", "review", "compare",
    "investigate", "confirm", "look", "inspect", "monitor", "wait", "stop", "freeze",
)  # fmt: skip

# Remedies: a sentence naming one, in any form, is advice (or a claim that it was done) and
# must match a suggested step.
REMEDIES = (
    "roll back", "rollback", "revert", "restart", "reboot", "redeploy", "scale", "delete",
    "drain", "cordon", "kill", "terminate", "failover", "fail over", "disable", "enable",
    "purge", "flush", "page", "escalate", "notify", "wake", "truncate", "promote", "rotate",
    "revoke", "refund",
)  # fmt: skip
