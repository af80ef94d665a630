"""Finding service references in configuration values (environment variables).

A value *refers to a host* when it is ``host``, ``host:port``, a URL
(``scheme://[user@]host[:port][/path]``), or a comma-separated list of those. Which
values count depends on the variable's name:

- names ending in an *address suffix* (``_ADDR``, ``_ADDRESS``, ``_HOST``, ``_HOSTNAME``,
  ``_URL``, ``_URI``, ``_ENDPOINT``, ``_SERVER``, plural forms, and ``_BROKERS``):
  every such value is a reference, a bare word included;
- any other name: only a value with an explicit port or scheme (``user-db:27017``,
  ``http://cart/``) or a cluster DNS name (``zipkin.jaeger.svc.cluster.local``) is a
  reference, and a bare ``host:port`` only when ``host`` is a known service, so that
  ``MODE=user`` or ``JAVA_OPTS=...`` never produce edges.

Values holding ``${...}`` / ``$(...)`` interpolation, IP addresses and ``localhost``
are never references.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pruner.frozen import record

__all__ = ["ADDRESS_SUFFIXES", "REDACTED", "HostRef", "is_address_name", "looks_secret",
           "note_redacted", "parse_host_refs", "redact"]

ADDRESS_SUFFIXES = (
    "_ADDR", "_ADDRS", "_ADDRESS", "_ADDRESSES",
    "_HOST", "_HOSTS", "_HOSTNAME",
    "_URL", "_URLS", "_URI", "_URIS",
    "_ENDPOINT", "_ENDPOINTS", "_SERVER", "_SERVERS", "_BROKERS",
)  # fmt: skip

_HOST_RE = re.compile(r"[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*\Z")
_IP_RE = re.compile(r"[0-9.]+\Z")
_LOCAL = {"localhost", "0.0.0.0", "127.0.0.1", "host.docker.internal"}


def is_address_name(name: str) -> bool:
    """Whether an environment variable name says its value is an address.

    >>> is_address_name("PRODUCT_CATALOG_SERVICE_ADDR"), is_address_name("mongo_host")
    (True, True)
    >>> is_address_name("JAVA_OPTS")
    False
    """
    up = name.upper()
    return up.endswith(ADDRESS_SUFFIXES) or up in {"HOST", "ADDR", "URL", "HOSTNAME"}


@record(slots=False)
class HostRef:
    """A host named in a value.

    Attributes
    ----------
    host
        The host name, lower-cased (``productcatalogservice``,
        ``zipkin.jaeger.svc.cluster.local``).
    explicit
        True when the value had a port or a scheme (``host:port``, ``http://host``).
    """

    host: str
    explicit: bool

    @property
    def labels(self) -> list[str]:
        """The host's DNS labels."""
        return self.host.split(".")

    @property
    def cluster_dns(self) -> tuple[str, str | None] | None:
        """``(name, namespace)`` for ``name.ns.svc[.cluster.local]`` / ``name.svc`` forms,
        and for ``pod.name.ns.svc[.cluster.local]``: a pod behind the headless Service
        ``name`` (``kafka-0.kafka-headless.prod.svc.cluster.local``)."""
        h = self.host
        for suffix in (".svc.cluster.local", ".svc"):
            if h.endswith(suffix):
                parts = h[: -len(suffix)].split(".")
                if len(parts) == 1:
                    return parts[0], None
                if len(parts) == 2:
                    return parts[0], parts[1]
                if len(parts) == 3:
                    return parts[1], parts[2]
        return None


def _one(part: str) -> HostRef | None:
    part = part.strip()
    if not part:
        return None
    explicit = False
    if "://" in part:
        try:
            host = urlsplit(part).hostname
        except ValueError:
            return None
        explicit = True
    else:
        host = part.rsplit("@", 1)[-1].split("/", 1)[0]
        if host.count(":") == 1:
            host, port = host.split(":")
            if not port.isdigit():
                return None
            explicit = True
        elif ":" in host:
            return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    if host in _LOCAL or _IP_RE.match(host) or not _HOST_RE.match(host):
        return None
    return HostRef(host, explicit)


def parse_host_refs(value: object) -> list[HostRef]:
    """The hosts a configuration value names (possibly none).

    >>> [r.host for r in parse_host_refs("productcatalogservice:3550")]
    ['productcatalogservice']
    >>> [r.host for r in parse_host_refs("http://user:pw@cart.shop.svc.cluster.local:80/x")]
    ['cart.shop.svc.cluster.local']
    >>> [r.host for r in parse_host_refs("kafka-0:9092,kafka-1:9092")]
    ['kafka-0', 'kafka-1']
    >>> [r.host for r in parse_host_refs("kafka-0:9092, kafka-1:9092")]
    ['kafka-0', 'kafka-1']
    >>> parse_host_refs("-Xms64m -Dspring.zipkin.enabled=false"), parse_host_refs("${DB}:5432")
    ([], [])
    """
    if not isinstance(value, str):
        return []
    v = value.strip()
    if not v or "$" in v or len(v) > 2000:
        return []
    parts = [p.strip() for p in v.split(",")]  # spaces after commas are still a list
    if any(c.isspace() for p in parts for c in p):
        return []
    refs = [_one(p) for p in parts]
    return [r for r in refs if r is not None]


# -- never copy a secret (issue 17 §5) ----------------------------------------------------
#: Words that make a variable (or a query parameter) name look secret; matched as a
#: word of the name (``DB_PASSWORD``, ``apiKey``) or inside it (``DBPASSWORD``).
SECRET_WORDS = ("PASSWORD", "PASSWD", "PASSPHRASE", "PASS", "PWD", "SECRET", "TOKEN", "KEY",
                "APIKEY", "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH", "AUTHORIZATION",
                "PRIVATE", "SALT", "SIGNATURE", "SIG", "COOKIE", "SESSION", "CERT", "DSN")
_SECRET_INSIDE = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY",
                  "PRIVATEKEY", "ACCESSKEY", "AUTHKEY")
REDACTED = "<redacted>"
_USERINFO = re.compile(r"(?<![\w@])((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?[^\s/?#,;]*@(?=[^\s@]*\w)")
_QUERY = re.compile(r"([?&;]([^=&;#\s]+)=)([^&;#\s]*)")


def looks_secret(name: str) -> bool:
    """Whether a variable or parameter name looks like it holds a credential.

    >>> [looks_secret(n) for n in ("DB_PASSWORD", "apiKey", "GITHUB_TOKEN", "CART_ADDR",
    ...                            "DBPASSWORD", "KEYCLOAK_URL", "SORT_KEY")]
    [True, True, True, False, True, False, True]
    """
    upper = name.upper()
    words = [w for part in re.split(r"[^A-Za-z0-9]+", name)
             for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[0-9]+", part)]
    if any(w.upper() in SECRET_WORDS for w in words):
        return True
    return any(w in upper for w in _SECRET_INSIDE)


def redact(name: str, value: str) -> tuple[str, bool]:
    """``value`` as it may be shown in a manifest or a note, and whether anything was
    taken out: the whole value when ``name`` looks secret, else user info in URLs
    (``postgres://admin:S3cr3t@db`` -> ``postgres://db``) and values of secret-looking
    query parameters (``?password=...``). The host and port stay: they are what the
    importers read.

    >>> redact("DATABASE_URL", "postgres://admin:S3cr3t@db:5432/app")
    ('postgres://db:5432/app', True)
    >>> redact("DB_PASSWORD", "hunter2")
    ('<redacted>', True)
    >>> redact("SEARCH_URL", "http://es:9200/?user=a&password=p")
    ('http://es:9200/?user=a&password=<redacted>', True)
    >>> redact("CART_ADDR", "cart:7070")
    ('cart:7070', False)
    """
    if looks_secret(name):
        return (REDACTED, True) if value else (value, False)
    shown = _USERINFO.sub(lambda m: m.group(1) or "", value)
    shown = _QUERY.sub(lambda m: m.group(1) + REDACTED if looks_secret(m.group(2)) and m.group(3)
                       else m.group(0), shown)
    return shown, shown != value


def note_redacted(builder, redacted: set[str]) -> None:
    """Say (without the values) that credentials were left out of the notes."""
    if redacted:
        shown = sorted(redacted)
        builder.note(
            f"credentials redacted from {len(shown)} environment value(s) "
            f"({', '.join(shown[:5])}{' ...' if len(shown) > 5 else ''}): user info in URLs "
            "and values of secret-looking names are never copied into the manifest")
