"""`make bench` reuses its database when it holds the incidents asked for, or the few more that
earlier runs opened, and generates it again otherwise (bench.database.generated_size)."""

from bench.database import generated_size


def test_a_database_that_earlier_runs_added_to_is_reused():
    assert generated_size(7_500_000, 7_500_000)
    assert generated_size(7_504_201, 7_500_000)  # after run 4: its scenarios and peak opened 4,201
    assert generated_size(20_000, 20_000)
    assert generated_size(20_150, 20_000)


def test_a_database_of_another_size_is_generated_again():
    assert not generated_size(7_499_999, 7_500_000)  # fewer: a generation cut short, or another size
    assert not generated_size(7_600_000, 7_500_000)
    assert not generated_size(200_000, 7_500_000)
    assert not generated_size(0, 20_000)
