"""Reads of the domain. Every lookup is scoped to a project: another project's object is as unknown as a missing one.

One module per concept; everything is importable from `facesets.selectors`.
"""

from .audit import audit_actions, audit_event_json, audit_events  # noqa: F401
from .face_sets import (  # noqa: F401
    face_set_external_ids,
    face_set_get,
    face_set_list,
    face_set_query_validate,
    face_set_search_by_face,
    face_sets_get,
    member_count,
    member_count_kept_elsewhere,
    member_get,
    member_list,
    member_list_by_field,
    member_list_for_display,
)
from .faces import (  # noqa: F401
    UNASSIGNED_VIEWS,
    face_crop_get,
    face_get,
    face_get_current,
    face_memberships,
    faces_current_by_id,
    faces_detached_count,
    faces_find,
    faces_get,
    faces_get_current,
    faces_unassigned,
    image_faces,
    image_get,
    image_get_current,
)
from .paging import Page, page, page_between  # noqa: F401
from .people import (  # noqa: F401
    group_get,
    group_list,
    group_members_with_uid,
    group_outer_ids,
    group_persons,
    groups_find_by_outer_id,
    groups_get,
    person_choices,
    person_erasure_preview,
    person_faces,
    person_find,
    person_get,
    person_group_outer_ids,
    person_in_groups,
    person_list,
    person_lookup,
    persons_find,
    persons_get,
    persons_newest_faces,
)
from .projects import (  # noqa: F401
    credential_get,
    credential_get_active,
    credential_get_any,
    credential_list,
    last_project,
    project_get,
    project_holding,
    project_memberships,
    project_role,
    project_usage,
    projects_for_user,
)
from .search_state import PATHS as SEARCH_PATHS  # noqa: F401
from .search_state import GraphFile, SearchState, face_set_search_state  # noqa: F401
from .tasks import (  # noqa: F401
    BATCH_ID_LENGTH,
    batch_id_valid,
    batch_items,
    batch_outcomes,
    batch_tasks,
    import_item_states,
    import_tasks_unfinished,
    task_get,
    task_get_current,
    task_items,
    task_list,
    tasks_get,
)
