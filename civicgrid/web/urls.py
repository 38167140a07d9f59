from django.urls import path

from . import views, views_cases, views_evaluation, views_track, views_whistles

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("territory/", views.territory, name="territory"),
    path("cases/", views_cases.case_list, name="case_list"),
    path("cases/map/", views_cases.case_map, name="case_map"),
    path("cases/<str:number>/", views_cases.case_detail, name="case_detail"),
    path("cases/<str:number>/photos/<int:attachment_id>/", views_cases.case_photo,
         name="case_photo"),
    path("whistles/", views_whistles.whistle_board, name="whistle_board"),
    path("whistles/new/", views_whistles.whistle_new, name="whistle_new"),
    path("whistles/<str:number>/", views_whistles.whistle_detail, name="whistle_detail"),
    path("whistles/<str:number>/<slug:action>/", views_whistles.whistle_action,
         name="whistle_action"),
    path("evaluation/", views_evaluation.rankings_page, name="evaluation"),
    path("evaluation/export/", views_evaluation.export_rankings, name="evaluation_export"),
    path("evaluation/unit/<str:kind>/<str:code>/", views_evaluation.unit_page,
         name="evaluation_unit"),
    path("track/", views_track.track, name="track"),
    path("track/case/", views_track.track_case, name="track_case"),
    path("track/rate/", views_track.track_rate, name="track_rate"),
    path("track/photos/<int:attachment_id>/", views_track.track_photo, name="track_photo"),
]
