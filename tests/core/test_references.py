import itertools

import pytest

from onecouncil.core.references import (
    ALPHABET,
    ReferenceError,
    check_character,
    is_valid_code,
    new_reference,
    parse_reference,
)


def test_new_reference_has_prefix_groups_and_valid_check_character():
    reference = new_reference("RVB")
    prefix, first, second = reference.split("-")
    assert prefix == "RVB"
    assert len(first) == len(second) == 4
    assert is_valid_code(first + second)
    assert not set(first + second) & set("ILOU")


def test_references_are_random_not_sequential():
    references = {new_reference("RVB") for _ in range(2000)}
    assert len(references) == 2000


@pytest.mark.parametrize(
    "typed",
    [
        "rvb-7k3q-9xm{c}",
        "RVB 7K3Q 9XM{c}",
        "7k3q9xm{c}",
        " rvb7k3q9xm{c} ",
        "RVB-7K3Q-9XM{c}",
    ],
)
def test_lookups_forgive_case_spaces_dashes_and_missing_prefix(typed):
    check = check_character("7K3Q9XM")
    parsed = parse_reference(
        typed.format(c=check.lower() if typed[0].islower() else check), prefix="RVB"
    )
    assert str(parsed) == f"RVB-7K3Q-9XM{check}"


def test_lookups_forgive_look_alike_letters():
    body = "10K3Q9X"  # contains 1 and 0
    check = check_character(body)
    typed = f"RVB-LOK3-Q9X{check}"  # L for 1, O for 0
    assert str(parse_reference(typed, prefix="RVB")) == f"RVB-10K3-Q9X{check}"
    typed = f"RVB-IOK3-Q9X{check}"  # I for 1
    assert str(parse_reference(typed, prefix="RVB")) == f"RVB-10K3-Q9X{check}"


def test_every_single_character_typo_is_caught_by_the_check_character():
    code = new_reference("RVB").replace("-", "")[3:]
    for position, replacement in itertools.product(range(len(code)), ALPHABET):
        if code[position] == replacement:
            continue
        typo = code[:position] + replacement + code[position + 1 :]
        assert not is_valid_code(typo), typo


def test_mistyped_reference_gets_a_helpful_message():
    code = new_reference("RVB").replace("-", "")[3:]
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ReferenceError) as excinfo:
        parse_reference(wrong, prefix="RVB")
    assert "mistyped" in excinfo.value.message


@pytest.mark.parametrize("typed", ["", "   ", "RVB-123", "hello world", "RVB-UUUU-UUUU"])
def test_malformed_references_are_rejected_with_an_example(typed):
    with pytest.raises(ReferenceError) as excinfo:
        parse_reference(typed, prefix="RVB")
    assert excinfo.value.message
