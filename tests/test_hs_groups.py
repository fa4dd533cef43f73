"""Group definitions file: the shipped groups and clear errors for bad rows."""

from __future__ import annotations

import pytest

from helpers import classifications
from helpers.hs_groups import GROUPS_FILE, HSGroupError, groups, load_groups

HEADER = "group,label,hs_prefix,exclude,note\n"


def write(tmp_path, text: str):
    path = tmp_path / "groups.csv"
    path.write_text(text)
    return path


def test_shipped_named_groups():
    g = groups()
    assert g["new_three"].include == ("870380", "850760", "854142", "854143")
    assert g["integrated_circuits"].include == ("8542",)
    assert g["chipmaking_equipment"].include == ("8486",)
    assert g["chipmaking_equipment"].exclude == ("848630",)
    assert g["rare_earths"].include == ("280530", "2846")
    assert g["iron_and_steel_ch72_73"].include == ("72", "73")
    assert g["electronic_integrated_circuits"].include == ("85423",)


def test_every_kit_product_with_hs_codes_is_a_group_with_the_same_codes():
    table = classifications.products()
    with_codes = table[table["hs_codes"] != ""]
    assert len(with_codes) > 20
    for row in with_codes.itertuples():
        group = groups()[row.code]
        assert group.include == tuple(row.hs_codes.split(";")), row.code
        assert group.exclude == ()


def test_need_counts_digits_of_exclusions():
    assert groups()["chipmaking_equipment"].need("8486") == 6
    assert groups()["integrated_circuits"].need("8542") == 4


def test_bad_prefix_names_file_row_and_column(tmp_path):
    path = write(tmp_path, HEADER + "ics,ICs,8542,False,\nbad,Bad,85A1,False,\n")
    with pytest.raises(HSGroupError) as error:
        load_groups(path)
    text = str(error.value)
    assert f"{path}, line 3, column 'hs_prefix'" in text and "'85A1'" in text


def test_one_digit_prefix_rejected(tmp_path):
    path = write(tmp_path, HEADER + "ics,ICs,8,False,\n")
    with pytest.raises(HSGroupError, match="line 2, column 'hs_prefix'"):
        load_groups(path)


def test_unknown_column_names_file_and_column(tmp_path):
    path = write(tmp_path, "group,label,hs_prefix,exclude,colour\nics,ICs,8542,False,red\n")
    with pytest.raises(HSGroupError) as error:
        load_groups(path)
    assert f"{path}, line 1, column 'colour': unknown column" in str(error.value)


def test_nested_prefixes_and_stray_exclusions_rejected(tmp_path):
    path = write(tmp_path, HEADER + "m,M,84,False,\nm,M,8471,False,\n"
                 "c,C,8486,False,\nc,C,850760,True,\n")
    with pytest.raises(HSGroupError) as error:
        load_groups(path)
    text = str(error.value)
    assert "line 3, column 'hs_prefix': 8471 lies inside 84" in text
    assert "line 5, column 'hs_prefix': exclusion 850760 lies inside none" in text


def test_labels_must_agree_and_flags_be_boolean(tmp_path):
    path = write(tmp_path, HEADER + "m,M,84,False,\nm,Other,85,yes,\n")
    with pytest.raises(HSGroupError) as error:
        load_groups(path)
    text = str(error.value)
    assert "line 3, column 'exclude': 'yes' is not True or False" in text
    assert "line 3, column 'label'" in text


def test_dotted_prefixes_accepted(tmp_path):
    path = write(tmp_path, HEADER + "ev,EVs,8703.80,False,\n")
    assert load_groups(path)["ev"].include == ("870380",)


def test_shipped_file_exists():
    assert GROUPS_FILE.name == "hs_groups.csv" and GROUPS_FILE.exists()
