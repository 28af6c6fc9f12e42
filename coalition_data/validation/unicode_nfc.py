"""Which characters can make a text change under Unicode NFC, as a regex class for a quick pre-check.

Normalising every cell is the slowest column check; a text holding none of these characters is already
in NFC (Unicode's NFC_Quick_Check), so only texts holding one are normalised. The class is a superset
of the characters whose NFC_Quick_Check is No or Maybe: combining marks, characters NFC replaces, and
second halves of canonical compositions (including Hangul jamo). It is computed by ``compute_ranges``
(see the test that keeps the two in step: python -c "from coalition_data.validation.unicode_nfc import
source; print(source())").
"""

from __future__ import annotations

import unicodedata

MAY_CHANGE_UNDER_NFC = (
    r"["
    r"\x{0300}-\x{034E}\x{0350}-\x{036F}\x{0374}\x{037E}\x{0387}\x{0483}-\x{0487}\x{0591}-\x{05BD}"
    r"\x{05BF}\x{05C1}-\x{05C2}\x{05C4}-\x{05C5}\x{05C7}\x{0610}-\x{061A}\x{064B}-\x{065F}\x{0670}"
    r"\x{06D6}-\x{06DC}\x{06DF}-\x{06E4}\x{06E7}-\x{06E8}\x{06EA}-\x{06ED}\x{0711}\x{0730}-\x{074A}"
    r"\x{07EB}-\x{07F3}\x{07FD}\x{0816}-\x{0819}\x{081B}-\x{0823}\x{0825}-\x{0827}\x{0829}-\x{082D}"
    r"\x{0859}-\x{085B}\x{0898}-\x{089F}\x{08CA}-\x{08E1}\x{08E3}-\x{08FF}\x{093C}\x{094D}"
    r"\x{0951}-\x{0954}\x{0958}-\x{095F}\x{09BC}\x{09BE}\x{09CD}\x{09D7}\x{09DC}-\x{09DD}\x{09DF}"
    r"\x{09FE}\x{0A33}\x{0A36}\x{0A3C}\x{0A4D}\x{0A59}-\x{0A5B}\x{0A5E}\x{0ABC}\x{0ACD}\x{0B3C}"
    r"\x{0B3E}\x{0B4D}\x{0B56}-\x{0B57}\x{0B5C}-\x{0B5D}\x{0BBE}\x{0BCD}\x{0BD7}\x{0C3C}\x{0C4D}"
    r"\x{0C55}-\x{0C56}\x{0CBC}\x{0CC2}\x{0CCD}\x{0CD5}-\x{0CD6}\x{0D3B}-\x{0D3C}\x{0D3E}\x{0D4D}"
    r"\x{0D57}\x{0DCA}\x{0DCF}\x{0DDF}\x{0E38}-\x{0E3A}\x{0E48}-\x{0E4B}\x{0EB8}-\x{0EBA}"
    r"\x{0EC8}-\x{0ECB}\x{0F18}-\x{0F19}\x{0F35}\x{0F37}\x{0F39}\x{0F43}\x{0F4D}\x{0F52}\x{0F57}"
    r"\x{0F5C}\x{0F69}\x{0F71}-\x{0F76}\x{0F78}\x{0F7A}-\x{0F7D}\x{0F80}-\x{0F84}\x{0F86}-\x{0F87}"
    r"\x{0F93}\x{0F9D}\x{0FA2}\x{0FA7}\x{0FAC}\x{0FB5}\x{0FB7}\x{0FB9}\x{0FC6}\x{102E}\x{1037}"
    r"\x{1039}-\x{103A}\x{108D}\x{1161}-\x{1175}\x{11A8}-\x{11C2}\x{135D}-\x{135F}\x{1714}-\x{1715}"
    r"\x{1734}\x{17D2}\x{17DD}\x{18A9}\x{1939}-\x{193B}\x{1A17}-\x{1A18}\x{1A60}\x{1A75}-\x{1A7C}"
    r"\x{1A7F}\x{1AB0}-\x{1ABD}\x{1ABF}-\x{1ACE}\x{1B34}-\x{1B35}\x{1B44}\x{1B6B}-\x{1B73}"
    r"\x{1BAA}-\x{1BAB}\x{1BE6}\x{1BF2}-\x{1BF3}\x{1C37}\x{1CD0}-\x{1CD2}\x{1CD4}-\x{1CE0}"
    r"\x{1CE2}-\x{1CE8}\x{1CED}\x{1CF4}\x{1CF8}-\x{1CF9}\x{1DC0}-\x{1DFF}\x{1F71}\x{1F73}\x{1F75}"
    r"\x{1F77}\x{1F79}\x{1F7B}\x{1F7D}\x{1FBB}\x{1FBE}\x{1FC9}\x{1FCB}\x{1FD3}\x{1FDB}\x{1FE3}\x{1FEB}"
    r"\x{1FEE}-\x{1FEF}\x{1FF9}\x{1FFB}\x{1FFD}\x{2000}-\x{2001}\x{20D0}-\x{20DC}\x{20E1}"
    r"\x{20E5}-\x{20F0}\x{2126}\x{212A}-\x{212B}\x{2329}-\x{232A}\x{2ADC}\x{2CEF}-\x{2CF1}\x{2D7F}"
    r"\x{2DE0}-\x{2DFF}\x{302A}-\x{302F}\x{3099}-\x{309A}\x{A66F}\x{A674}-\x{A67D}\x{A69E}-\x{A69F}"
    r"\x{A6F0}-\x{A6F1}\x{A806}\x{A82C}\x{A8C4}\x{A8E0}-\x{A8F1}\x{A92B}-\x{A92D}\x{A953}\x{A9B3}"
    r"\x{A9C0}\x{AAB0}\x{AAB2}-\x{AAB4}\x{AAB7}-\x{AAB8}\x{AABE}-\x{AABF}\x{AAC1}\x{AAF6}\x{ABED}"
    r"\x{F900}-\x{FA0D}\x{FA10}\x{FA12}\x{FA15}-\x{FA1E}\x{FA20}\x{FA22}\x{FA25}-\x{FA26}"
    r"\x{FA2A}-\x{FA6D}\x{FA70}-\x{FAD9}\x{FB1D}-\x{FB1F}\x{FB2A}-\x{FB36}\x{FB38}-\x{FB3C}\x{FB3E}"
    r"\x{FB40}-\x{FB41}\x{FB43}-\x{FB44}\x{FB46}-\x{FB4E}\x{FE20}-\x{FE2F}\x{101FD}\x{102E0}"
    r"\x{10376}-\x{1037A}\x{10A0D}\x{10A0F}\x{10A38}-\x{10A3A}\x{10A3F}\x{10AE5}-\x{10AE6}"
    r"\x{10D24}-\x{10D27}\x{10EAB}-\x{10EAC}\x{10F46}-\x{10F50}\x{10F82}-\x{10F85}\x{11046}\x{11070}"
    r"\x{1107F}\x{110B9}-\x{110BA}\x{11100}-\x{11102}\x{11127}\x{11133}-\x{11134}\x{11173}\x{111C0}"
    r"\x{111CA}\x{11235}-\x{11236}\x{112E9}-\x{112EA}\x{1133B}-\x{1133C}\x{1133E}\x{1134D}\x{11357}"
    r"\x{11366}-\x{1136C}\x{11370}-\x{11374}\x{11442}\x{11446}\x{1145E}\x{114B0}\x{114BA}\x{114BD}"
    r"\x{114C2}-\x{114C3}\x{115AF}\x{115BF}-\x{115C0}\x{1163F}\x{116B6}-\x{116B7}\x{1172B}"
    r"\x{11839}-\x{1183A}\x{11930}\x{1193D}-\x{1193E}\x{11943}\x{119E0}\x{11A34}\x{11A47}\x{11A99}"
    r"\x{11C3F}\x{11D42}\x{11D44}-\x{11D45}\x{11D97}\x{16AF0}-\x{16AF4}\x{16B30}-\x{16B36}"
    r"\x{16FF0}-\x{16FF1}\x{1BC9E}\x{1D15E}-\x{1D169}\x{1D16D}-\x{1D172}\x{1D17B}-\x{1D182}"
    r"\x{1D185}-\x{1D18B}\x{1D1AA}-\x{1D1AD}\x{1D1BB}-\x{1D1C0}\x{1D242}-\x{1D244}\x{1E000}-\x{1E006}"
    r"\x{1E008}-\x{1E018}\x{1E01B}-\x{1E021}\x{1E023}-\x{1E024}\x{1E026}-\x{1E02A}\x{1E130}-\x{1E136}"
    r"\x{1E2AE}\x{1E2EC}-\x{1E2EF}\x{1E8D0}-\x{1E8D6}\x{1E944}-\x{1E94A}\x{2F800}-\x{2FA1D}"
    r"]"
)


def compute_ranges() -> list[tuple[int, int]]:
    """The characters above as inclusive code point ranges, from this Python's Unicode database."""
    points = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul vowels and final consonants
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        if unicodedata.combining(char) or unicodedata.normalize("NFC", char) != char:
            points.add(code)
        decomposition = unicodedata.decomposition(char).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            points.add(int(decomposition[1], 16))
    ranges: list[list[int]] = []
    for code in sorted(points):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return [(low, high) for low, high in ranges]


def source() -> str:
    """The Python source of MAY_CHANGE_UNDER_NFC for the ranges ``compute_ranges`` gives."""
    parts = [f"\\x{{{low:04X}}}" + (f"-\\x{{{high:04X}}}" if high > low else "") for low, high in compute_ranges()]
    lines, line = [], ""
    for part in parts:
        if len(line) + len(part) > 96:
            lines.append(line)
            line = ""
        line += part
    lines.append(line)
    return 'MAY_CHANGE_UNDER_NFC = (\n    r"["\n' + "\n".join(f'    r"{x}"' for x in lines) + '\n    r"]"\n)'
