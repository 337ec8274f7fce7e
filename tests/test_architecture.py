"""The import contracts in pyproject.toml ([tool.importlinter]) hold, and they would catch a new
import that breaks them: the second test runs the project's own contracts over a scratch tree
with the same package names, so deleting or loosening a contract fails here."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = [
    *("accounts", "incidents", "thrive", "victims", "qa", "casework", "home", "audit", "config"),
    *("bench", "tests", "markup", "emails", "idempotency", "alerts", "cad", "webhooks", "ops"),
]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


# Modules the contracts name, which must exist for lint-imports to run.
NAMED = dict.fromkeys(("thrive.services", "thrive.wording", "thrive.tasks", "emails.services", "emails.tasks"), "")
NAMED |= dict.fromkeys(("webhooks.services", "webhooks.tasks"), "")
NAMED |= dict.fromkeys(
    ("audit.services", "casework.views_assessment", "thrive.views_returns", "thrive.views_wording"), ""
)
NAMED |= dict.fromkeys(("thrive.views_briefings", "casework.views_call_victim"), "")


def scratch_tree(root: Path, modules: dict[str, str]) -> Path:
    for package in PACKAGES:
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    # The one import the layers contract ignores (the root URL conf's) must exist to be ignored,
    # and the modules the contracts name must exist to be checked.
    for dotted, source in {**NAMED, "accounts.api": "", "config.urls": "import accounts.api\n", **modules}.items():
        (root / (dotted.replace(".", "/") + ".py")).write_text(source)
    return root


def test_the_project_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_tree_that_keeps_the_rules_passes(tmp_path):
    tree = scratch_tree(tmp_path, {"bench.tool": "import incidents\nimport qa\n", "audit.views": "import accounts\n"})
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_product_module_importing_the_bench_tools_is_refused(tmp_path):
    tree = scratch_tree(tmp_path, {"bench.tool": "", "incidents.views": "from bench import tool\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "incidents.views -> bench.tool" in result.stdout


def test_the_audit_trail_importing_a_domain_app_is_refused(tmp_path):
    tree = scratch_tree(tmp_path, {"incidents.models": "", "audit.services": "from incidents import models\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "audit.services -> incidents.models" in result.stdout


def test_the_markup_builder_importing_an_app_is_refused(tmp_path):
    tree = scratch_tree(tmp_path, {"qa.rules": "", "markup.helpers": "import qa.rules\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "markup.helpers -> qa.rules" in result.stdout


def test_a_service_importing_its_tasks_is_refused(tmp_path):
    tree = scratch_tree(
        tmp_path, {"emails.tasks": "from emails import services\n", "emails.services": "import emails.tasks\n"}
    )
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "emails.services -> emails.tasks" in result.stdout


def test_the_wording_importing_the_assessment_services_is_refused(tmp_path):
    tree = scratch_tree(tmp_path, {"thrive.wording": "from thrive import services\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "thrive.wording -> thrive.services" in result.stdout


def test_a_page_or_api_writing_the_audit_log_itself_is_refused(tmp_path):
    # Rule 4: the row is the service's or the selector's (one per write or read); the
    # assessment page, the API and the revise page once each wrote their own.
    for page in ("casework.views_assessment", "casework.api", "victims.admin", "qa.views.samples"):
        root = tmp_path / page
        root.mkdir()
        tree = scratch_tree(root, {"casework.services": "import audit.services\n"})
        # A page group's package (qa/views/) is covered too.
        (tree / "qa" / "views").mkdir()
        (tree / "qa" / "views" / "__init__.py").write_text("")
        (tree / (page.replace(".", "/") + ".py")).write_text("import audit.services\n")
        result = lint_imports(tree)
        assert result.returncode != 0, page
        assert f"{page} -> audit.services" in result.stdout
        assert "casework.services ->" not in result.stdout


def test_an_upward_import_is_refused(tmp_path):
    # incidents is below thrive: the closure gate once imported thrive from incidents.rules.
    tree = scratch_tree(tmp_path, {"thrive.models": "", "incidents.rules": "from thrive import models\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "incidents.rules -> thrive.models" in result.stdout


def test_accounts_importing_an_app_for_the_home_page_is_refused(tmp_path):
    tree = scratch_tree(tmp_path, {"qa.selectors": "", "accounts.views": "import qa.selectors\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "accounts.views -> qa.selectors" in result.stdout


def test_casework_importing_the_cad_integration_is_refused(tmp_path):
    # cad composes casework (the closure gate, the close, the grading change): never the reverse.
    tree = scratch_tree(tmp_path, {"cad.services": "", "casework.services": "import cad.services\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "casework.services -> cad.services" in result.stdout


def test_thrive_and_victims_import_neither_way(tmp_path):
    # Siblings: a submission that touches both is casework's (casework.services).
    tree = scratch_tree(tmp_path, {"victims.services": "", "thrive.services": "from victims import services\n"})
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "thrive.services -> victims.services" in result.stdout


def test_the_top_layers_may_use_everything_below(tmp_path):
    modules = {
        "incidents.services": "import accounts\n",
        "thrive.services": "from incidents import services\n",
        "victims.services": "from incidents import services\n",
        "casework.services": "from thrive import services\nfrom victims import services as v\n",
        "qa.selectors": "import thrive.services\n",
        "home.views": "import casework.services\nimport qa.selectors\n",
        "cad.services": "import casework.services\nimport incidents.services\n",
    }
    result = lint_imports(scratch_tree(tmp_path, modules))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerts_sit_below_thrive_and_casework_and_above_incidents(tmp_path_factory):
    """Rule 13: the submission (casework) and the re-THRIVE sweep (thrive) raise alerts, and
    the alerts read incidents; incidents never reach up to them."""
    modules = {
        "alerts.services": "import incidents\nimport audit\n",
        "thrive.tasks": "from alerts import services\n",
        "casework.services": "from alerts import services\n",
    }
    kept = lint_imports(scratch_tree(tmp_path_factory.mktemp("kept"), modules))
    assert kept.returncode == 0, kept.stdout + kept.stderr
    upward = scratch_tree(
        tmp_path_factory.mktemp("up"), {"alerts.services": "", "incidents.services": "from alerts import services\n"}
    )
    result = lint_imports(upward)
    assert result.returncode != 0
    assert "incidents.services -> alerts.services" in result.stdout


def test_a_circle_inside_an_app_is_refused(tmp_path):
    # victims.services once enqueued through victims.tasks, which called victims.services.
    modules = {
        "victims.services": "def enqueue():\n    from victims import tasks\n",
        "victims.tasks": "from victims import services\n",
    }
    result = lint_imports(scratch_tree(tmp_path, modules))
    assert result.returncode != 0
    assert "No cycles are allowed in victims" in result.stdout


APPS = {"accounts", "incidents", "thrive", "victims", "qa", "casework", "home", "audit", "config", "emails"}
APPS |= {"idempotency", "markup", "alerts", "cad", "webhooks", "ops"}


def private_names_imported_across_apps(source: str, own_app: str) -> list[str]:
    """`from <another app>... import _name`: a private name of another app (import-linter
    checks modules, not names, so this is read from the source)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            app = node.module.split(".")[0]
            if app in APPS and app != own_app:
                found += [f"{node.module}.{alias.name}" for alias in node.names if alias.name.startswith("_")]
    return found


def test_no_app_imports_another_apps_private_names():
    offenders = []
    for app in sorted(APPS):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in private_names_imported_across_apps(path.read_text(), app):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_the_private_name_check_sees_what_thrive_once_imported():
    source = "from incidents.services import _lock, _regrade, _touch, log_entry_write\n"
    assert private_names_imported_across_apps(source, "thrive") == [
        "incidents.services._lock",
        "incidents.services._regrade",
        "incidents.services._touch",
    ]
    assert private_names_imported_across_apps("from thrive.views import _form_context\n", "thrive") == []


MODULE_LINE_LIMIT = 400


def test_no_module_is_over_400_lines_outside_migrations_and_tests():
    """Issue 14: a module past 400 lines is split by what it holds (settings by concern,
    bench tools by stage), so each file can be read whole."""
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    too_long = {}
    for name in tracked:
        path = Path(name)
        if "migrations" in path.parts or path.parts[0] == "tests":
            continue
        lines = len((ROOT / path).read_text().splitlines())
        if lines > MODULE_LINE_LIMIT:
            too_long[name] = lines
    assert too_long == {}
