from ui.text import escape_markdown


def test_escaped_markdown_keeps_text_and_neutralises_html():
    escaped = escape_markdown("<b>x</b> *y* :red[z] $a$\nline")
    assert "<b>" not in escaped and "\\<b\\>" in escaped
    assert "\\*y\\*" in escaped and "\\:red\\[z\\]" in escaped and "\\$a\\$" in escaped
    assert escaped.endswith("  \nline")
