"""Background jobs: long work (imports, the automatic pass, export files, large agreement
reports) run by `annotator worker` processes, with progress people can watch.

The queue itself is Huey's (queue.py): a SQLite file in the instance folder by default, the
app's PostgreSQL database when DATABASE_URL names one, Redis when REDIS_URL is set. What a job
is, how far it got and how it ended lives in the app's own ``job`` table (models.py), so every
app server answers ``GET /api/jobs/<id>`` from the database whichever worker runs the job.
"""
