"""medgan_course: the tested helper package of the GANs-for-medical-imaging course.

Importing the package imports no TensorFlow; import the submodules you need
(`medgan_course.data`, `.models`, `.training`, `.evaluation`).
"""

__version__ = "0.1.0"

#: The one place the repository's address is written; badges, install cells, binder/ and
#: pyproject.toml must agree with it (tests/test_project.py checks them).
REPO_SLUG = "medgan-course/medgan-course"
REPO_URL = f"https://github.com/{REPO_SLUG}"
DEFAULT_BRANCH = "main"
#: The course website (site/, built by scripts/site.sh, published by .github/workflows/site.yml).
SITE_URL = f"https://{REPO_SLUG.split('/')[0]}.github.io/{REPO_SLUG.split('/')[1]}"

__all__ = ["__version__", "REPO_SLUG", "REPO_URL", "DEFAULT_BRANCH", "SITE_URL"]
