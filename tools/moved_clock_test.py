import pytest

from tools.moved_clock import check_moved, shift_seconds


@pytest.mark.parametrize(("shift", "seconds"), [("+400d", 400 * 86400), ("-12h", -12 * 3600), ("+90m", 5400), ("+5", 5)])
def test_shifts_are_read_as_libfaketime_reads_them(shift, seconds):
    assert shift_seconds(shift) == seconds


def test_a_malformed_shift_is_refused_with_the_accepted_form():
    with pytest.raises(SystemExit, match='such as "\\+400d"'):
        shift_seconds("next year")


def test_a_child_process_really_sees_the_moved_clock():
    assert abs(check_moved("+3d") - 3 * 86400) < 600
