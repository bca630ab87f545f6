"""Fixtures shared by every test: a private PostgreSQL cluster for the run, a migrated
template database, and a fresh database cloned from it for each test that asks.

The cluster is the same :class:`helixcode.embedded.Cluster` that ``helix db start`` uses,
in a temporary directory, with durability off for speed. Nothing here touches the system's
PostgreSQL service.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from helixcode import migrate
from helixcode.embedded import Cluster
from helixcode.paths import sql_root

# Real sshd processes, one per simulated worker (see tests/sshd.py).
from tests.sshd import fresh_sshd_worker, sshd_cluster, sshd_worker  # noqa: F401

TEMPLATE = "helix_template"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def sql_dir() -> Path:
    """The repository's db/ folder."""
    return sql_root()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A private PostgreSQL cluster, started once for the whole run."""
    cluster = Cluster.temporary("helix-test-pg-", fast=True)
    try:
        yield cluster
    finally:
        cluster.destroy()


def admin_url(cluster: Cluster) -> str:
    """URL of the cluster's maintenance database."""
    return cluster.url("postgres")


def create_database(cluster: Cluster, name: str, template: str | None = None) -> str:
    """Create a database (optionally from a template) and return its URL."""
    with psycopg.connect(admin_url(cluster), autocommit=True) as conn:
        query = sql.SQL("create database {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template))
        conn.execute(query)
    return cluster.url(name)


def drop_database(cluster: Cluster, name: str) -> None:
    """Drop a database, disconnecting whoever is still on it."""
    with psycopg.connect(admin_url(cluster), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(name)))


@pytest.fixture(scope="session")
def template_url(pg_cluster: Cluster) -> str:
    """A database migrated once, with pgTAP installed, that per-test databases copy."""
    url = create_database(pg_cluster, TEMPLATE)
    migrate.migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create extension if not exists pgtap with schema public")
    return url


@pytest.fixture
def fresh_db(pg_cluster: Cluster, template_url: str) -> Iterator[str]:
    """URL of a new, migrated database for this test alone (dropped afterwards)."""
    name = f"helix_test_{os.getpid()}_{next(_names)}"
    url = create_database(pg_cluster, name, template=TEMPLATE)
    try:
        yield url
    finally:
        drop_database(pg_cluster, name)


@pytest.fixture
def empty_db(pg_cluster: Cluster) -> Iterator[str]:
    """URL of a new, empty database (not migrated) for this test alone."""
    name = f"helix_empty_{os.getpid()}_{next(_names)}"
    url = create_database(pg_cluster, name)
    try:
        yield url
    finally:
        drop_database(pg_cluster, name)


@pytest.fixture
def conn(fresh_db: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to a fresh migrated database."""
    with psycopg.connect(fresh_db, autocommit=True) as connection:
        yield connection
