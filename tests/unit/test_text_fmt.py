from govgap.reference.text import UNKNOWN_CHAR, fold, repair, slugify
from govgap.render import fmt


def test_numbers_in_report_language():
    assert fmt.percent(0.774, "vi") == "77,4%"
    assert fmt.percent(0.774, "en") == "77.4%"
    assert fmt.number(1494, "vi", 0) == "1.494"
    assert fmt.number(1494, "en", 0) == "1,494"
    assert fmt.number(2.346, "vi", 2) == "2,35"
    assert fmt.number(1234567.891, "vi", 2) == "1.234.567,89"
    assert fmt.number(float("nan"), "vi") == "–"
    assert fmt.signed(-0.25, "vi") == "−0,25" and fmt.signed(0.5, "en") == "+0.50"


def test_fold_and_slug():
    assert fold("Đắk Lắk") == "dak lak"
    assert slugify("Bà Rịa - Vũng Tàu") == "ba-ria-vung-tau"
    assert slugify("Thừa Thiên Huế") == "thua-thien-hue"


def test_repair_double_encoded_and_r_escapes():
    assert repair("H\u00c3\u00a0 N\u00e1\u00bb\u0099i") == "Hà Nội"  # UTF-8 read as Latin-1
    assert repair("<U+0110>à Nẵng") == "Đà Nẵng"
    assert UNKNOWN_CHAR in repair("B<U\ufffd>C NINH")
    assert repair("Hà Nội") == "Hà Nội"  # correct text is left alone
