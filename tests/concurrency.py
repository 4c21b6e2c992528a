"""Real concurrency for tests on PostgreSQL: many threads, each on its own
database connection, released at the same moment."""

import threading

from django.db import connection


def run_at_once(work, count=8, *, expected_errors=()):
    """Call ``work(i)`` for i in range(count) in threads released together.

    Returns the results in order; an exception of ``expected_errors`` is
    returned as that thread's result, any other fails the test. Tests that
    use this need ``pytest.mark.django_db(transaction=True)``: the threads
    must see each other's commits.
    """
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except expected_errors as error:
            results[index] = error
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results
